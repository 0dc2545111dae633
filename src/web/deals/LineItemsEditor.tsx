import { ActionIcon, Alert, Button, Card, Group, NumberInput, Select, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import type { Deal } from "../../contract/index.js";
import { api } from "../http/client.js";
import { formatMoney } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { type LineItemsReply, lineItemsQuery, priceListsQuery, productsQuery } from "./api.js";

interface Row {
  key: string;
  id?: string;
  productId: string | null;
  name: string;
  quantity: number | string;
  unitPrice: number | string;
  discountPercent: number | string;
}

const rowsFrom = (r: LineItemsReply | undefined): Row[] =>
  (r?.data ?? []).map((i) => ({
    key: i.id,
    id: i.id,
    productId: i.productId,
    name: i.name,
    quantity: Number(i.quantity),
    unitPrice: i.unitPrice,
    discountPercent: Number(i.discountPercent),
  }));

/** Preview only: the server computes the stored totals in numeric. */
const lineTotal = (r: Row) => Number(r.quantity || 0) * Number(r.unitPrice || 0) * (1 - Number(r.discountPercent || 0) / 100);

export function LineItemsEditor({ deal, canWrite }: { deal: Deal; canWrite: boolean }) {
  const qc = useQueryClient();
  const items = useQuery(lineItemsQuery(deal.id));
  const products = useQuery(productsQuery("", true));
  const priceLists = useQuery(priceListsQuery);
  const [rows, setRows] = useState<Row[]>([]);
  const [followLines, setFollowLines] = useState(deal.amountSource === "line_items");
  const [priceListId, setPriceListId] = useState<string | null>(deal.priceListId);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (items.data && !dirty) setRows(rowsFrom(items.data));
  }, [items.data, dirty]);
  useEffect(() => {
    if (!dirty) {
      setFollowLines(deal.amountSource === "line_items");
      setPriceListId(deal.priceListId);
    }
  }, [deal.amountSource, deal.priceListId, dirty]);

  const productMap = useMemo(() => new Map((products.data?.data ?? []).map((p) => [p.id, p])), [products.data]);
  const update = (key: string, patch: Partial<Row>) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
    setDirty(true);
  };

  const save = useMutation({
    mutationFn: () =>
      api.put<LineItemsReply>(`/api/v1/deals/${deal.id}/line-items`, {
        amountSource: followLines ? "line_items" : "manual",
        priceListId,
        items: rows.map((r) => ({
          ...(r.id ? { id: r.id } : {}),
          productId: r.productId,
          ...(r.name ? { name: r.name } : {}),
          quantity: String(r.quantity),
          // An empty price lets the server take it from the price list or the product.
          ...(r.unitPrice === "" ? {} : { unitPrice: String(r.unitPrice) }),
          discountPercent: Number(r.discountPercent || 0),
        })),
      }),
    onSuccess: (reply) => {
      qc.setQueryData(lineItemsQuery(deal.id).queryKey, reply);
      setRows(rowsFrom(reply));
      setDirty(false);
      setErrors({});
      qc.invalidateQueries({ queryKey: ["deals"] });
      notifySuccess("Line items saved");
    },
    onError: (e) => {
      const fe = (e as { fieldErrors?: Record<string, string> }).fieldErrors ?? {};
      setErrors(fe);
      notifyError(e, "Could not save the line items");
    },
  });

  const total = rows.reduce((n, r) => n + lineTotal(r), 0);
  return (
    <Card withBorder radius="md" padding="md" data-testid="line-items">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={4} fz="md">
          Line items
        </Title>
        <Group gap="sm" wrap="wrap">
          <Select
            size="xs"
            aria-label="Price list"
            placeholder="No price list"
            clearable
            data={(priceLists.data ?? []).filter((l) => l.currency === deal.currency).map((l) => ({ value: l.id, label: `${l.name} (${l.currency})` }))}
            value={priceListId}
            onChange={(v) => {
              setPriceListId(v);
              setDirty(true);
            }}
            disabled={!canWrite}
            error={errors.priceListId}
            w={180}
            data-testid="price-list-select"
          />
          <Switch
            size="sm"
            label="Amount follows line items"
            checked={followLines}
            onChange={(e) => {
              setFollowLines(e.currentTarget.checked);
              setDirty(true);
            }}
            disabled={!canWrite}
            data-testid="amount-follows"
          />
        </Group>
      </Group>
      {items.isError && (
        <Alert color="red" mb="sm">
          {items.error.message}
        </Alert>
      )}
      {rows.length === 0 ? (
        <Text fz="sm" c="dimmed" py="sm">
          No line items. Add products to price the deal: when the deal is won, they become the customer's purchases.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={620}>
          <Table verticalSpacing={4} horizontalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Product</Table.Th>
                <Table.Th w={90}>Qty</Table.Th>
                <Table.Th w={120}>Unit price</Table.Th>
                <Table.Th w={90}>Disc. %</Table.Th>
                <Table.Th w={110} ta="right">
                  Total
                </Table.Th>
                <Table.Th w={36} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={r.key} data-testid="line-item-row">
                  <Table.Td>
                    <Stack gap={2}>
                      <Select
                        size="xs"
                        aria-label="Product"
                        placeholder="Custom line"
                        searchable
                        clearable
                        data={(products.data?.data ?? []).map((p) => ({ value: p.id, label: `${p.name} · ${p.sku}` }))}
                        value={r.productId}
                        onChange={(v) => {
                          const p = v ? productMap.get(v) : undefined;
                          // Leave the price empty so the server applies the price list; show the catalogue price meanwhile.
                          update(r.key, {
                            productId: v,
                            name: p?.name ?? r.name,
                            unitPrice: p && p.currency === deal.currency && !priceListId ? p.unitPrice : "",
                          });
                        }}
                        disabled={!canWrite}
                        error={errors[`items.${i}.productId`]}
                        data-testid="line-item-product"
                      />
                      {!r.productId && (
                        <TextInput
                          size="xs"
                          aria-label="Line name"
                          placeholder="Description"
                          value={r.name}
                          onChange={(e) => update(r.key, { name: e.currentTarget.value })}
                          disabled={!canWrite}
                          error={errors[`items.${i}.name`]}
                        />
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <NumberInput
                      size="xs"
                      aria-label="Quantity"
                      min={0}
                      decimalScale={4}
                      value={r.quantity}
                      onChange={(v) => update(r.key, { quantity: v })}
                      disabled={!canWrite}
                      error={errors[`items.${i}.quantity`]}
                      data-testid="line-item-qty"
                    />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput
                      size="xs"
                      aria-label="Unit price"
                      min={0}
                      decimalScale={2}
                      placeholder="From price list"
                      value={r.unitPrice}
                      onChange={(v) => update(r.key, { unitPrice: v })}
                      disabled={!canWrite}
                      error={errors[`items.${i}.unitPrice`]}
                      data-testid="line-item-price"
                    />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput
                      size="xs"
                      aria-label="Discount percent"
                      min={0}
                      max={100}
                      value={r.discountPercent}
                      onChange={(v) => update(r.key, { discountPercent: v })}
                      disabled={!canWrite}
                      error={errors[`items.${i}.discountPercent`]}
                      data-testid="line-item-discount"
                    />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text fz="sm">{r.unitPrice === "" ? "—" : formatMoney(lineTotal(r), deal.currency)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {canWrite && (
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label="Remove line"
                        onClick={() => {
                          setRows((rs) => rs.filter((x) => x.key !== r.key));
                          setDirty(true);
                        }}
                      >
                        <IconTrash size={14} />
                      </ActionIcon>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="space-between" mt="sm" wrap="wrap">
        {canWrite ? (
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => {
              setRows((rs) => [...rs, { key: `new-${Date.now()}-${rs.length}`, productId: null, name: "", quantity: 1, unitPrice: "", discountPercent: 0 }]);
              setDirty(true);
            }}
            data-testid="add-line-item"
          >
            Add line
          </Button>
        ) : (
          <span />
        )}
        <Group gap="sm">
          <Text fz="sm" fw={600} data-testid="line-items-total">
            Total {formatMoney(items.data && !dirty ? items.data.total : total, deal.currency)}
          </Text>
          {canWrite && dirty && (
            <>
              <Button
                size="xs"
                variant="default"
                onClick={() => {
                  setRows(rowsFrom(items.data));
                  setDirty(false);
                  setErrors({});
                }}
              >
                Discard
              </Button>
              <Button size="xs" onClick={() => save.mutate()} loading={save.isPending} data-testid="save-line-items">
                Save line items
              </Button>
            </>
          )}
        </Group>
      </Group>
    </Card>
  );
}
