import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconEdit, IconPackage, IconPlus, IconTrash } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { CreatePriceListBody, CreateProductBody, type PriceList, type Product } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { priceListQuery, priceListsQuery, productsQuery } from "../deals/api.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { formatMoney } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

/** The catalogue and price lists: everyone reads them, admins and managers keep them. */
export function ProductsPage() {
  useDocumentTitle("Products · Rapport");
  const { canManageRecords } = usePermissions();
  return (
    <Stack gap="md" data-testid="products-page">
      <div>
        <Title order={2}>Products</Title>
        <Text c="dimmed" fz="sm">
          What you sell. Line items on deals use these prices (or a price list's); won deals' line items become the customer's purchase history.
        </Text>
      </div>
      <Tabs defaultValue="products" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="products">Products</Tabs.Tab>
          <Tabs.Tab value="price-lists" data-testid="tab-price-lists">
            Price lists
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="products" pt="md">
          <ProductsTab canEdit={canManageRecords} />
        </Tabs.Panel>
        <Tabs.Panel value="price-lists" pt="md">
          <PriceListsTab canEdit={canManageRecords} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function ProductsTab({ canEdit }: { canEdit: boolean }) {
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q, 250);
  const products = useQuery({ ...productsQuery(debounced), placeholderData: keepPreviousData });
  const [editing, setEditing] = useState<Product | "new" | null>(null);
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: (p: Product) => api.del(`/api/v1/products/${p.id}`),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["products"] });
      notifySuccess("Product deleted");
    },
    onError: (e) => notifyError(e, "Could not delete the product"),
  });
  const list = products.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <TextInput
          placeholder="Search name or SKU…"
          aria-label="Search products"
          aria-keyshortcuts="/"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={{ base: "100%", xs: 260 }}
        />
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} aria-keyshortcuts="c" data-testid="new-product">
            New product
          </Button>
        )}
      </Group>
      {products.isError ? (
        <Alert color="red">{products.error.message}</Alert>
      ) : products.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : list.length === 0 ? (
        q ? (
          <Text c="dimmed" ta="center" py="lg">
            No product matches “{q}”.
          </Text>
        ) : (
          <EmptyHint
            icon={<IconPackage size={28} />}
            title="No products yet"
            description="Add what you sell with a SKU and a unit price. Then add them as line items on deals, and the deal amount can follow."
            actionLabel={canEdit ? "Add your first product" : undefined}
            onAction={() => setEditing("new")}
          />
        )
      ) : (
        <Card withBorder radius="md" padding={0}>
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="xs" highlightOnHover data-testid="products-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>SKU</Table.Th>
                  <Table.Th ta="right">Unit price</Table.Th>
                  <Table.Th>Status</Table.Th>
                  {canEdit && <Table.Th w={80} />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((p) => (
                  <Table.Tr key={p.id} data-testid="product-row">
                    <Table.Td>
                      <Text fz="sm" fw={500}>
                        {p.name}
                      </Text>
                      {p.description && (
                        <Text fz="xs" c="dimmed" lineClamp={1}>
                          {p.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm" ff="monospace">
                        {p.sku}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">{formatMoney(p.unitPrice, p.currency)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={p.active ? "teal" : "gray"}>
                        {p.active ? "Active" : "Inactive"}
                      </Badge>
                    </Table.Td>
                    {canEdit && (
                      <Table.Td>
                        <Group gap={2} wrap="nowrap">
                          <ActionIcon variant="subtle" aria-label={`Edit ${p.name}`} onClick={() => setEditing(p)}>
                            <IconEdit size={16} />
                          </ActionIcon>
                          <ActionIcon variant="subtle" color="red" aria-label={`Delete ${p.name}`} onClick={() => remove.mutate(p)}>
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <ProductModal product={editing} onClose={() => setEditing(null)} />
    </Stack>
  );
}

function ProductModal({ product, onClose }: { product: Product | "new" | null; onClose: () => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const existing = product && product !== "new" ? product : null;
  const [v, setV] = useState({ name: "", sku: "", unitPrice: "" as number | string, currency: "USD", active: true, description: "" });
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when another product opens
  useEffect(() => {
    if (product) {
      setV(
        existing
          ? {
              name: existing.name,
              sku: existing.sku,
              unitPrice: existing.unitPrice,
              currency: existing.currency,
              active: existing.active,
              description: existing.description ?? "",
            }
          : { name: "", sku: "", unitPrice: "", currency: "USD", active: true, description: "" },
      );
      errors.clear();
    }
  }, [product]);
  const save = useMutation({
    mutationFn: (body: unknown) => (existing ? api.patch<Product>(`/api/v1/products/${existing.id}`, body) : api.post<Product>("/api/v1/products", body)),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["products"] });
      notifySuccess(existing ? "Product saved" : "Product added");
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the product"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { ...v, unitPrice: String(v.unitPrice), description: v.description || null };
    const parsed = errors.validate(CreateProductBody.safeParse(body));
    if (parsed) save.mutate(body);
  };
  return (
    <Modal opened={Boolean(product)} onClose={onClose} title={existing ? "Edit product" : "New product"} centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Name"
            required
            value={v.name}
            onChange={(e) => setV({ ...v, name: e.currentTarget.value })}
            error={errors.get("name")}
            data-testid="product-name"
          />
          <TextInput
            label="SKU"
            required
            value={v.sku}
            onChange={(e) => setV({ ...v, sku: e.currentTarget.value })}
            error={errors.get("sku")}
            data-testid="product-sku"
          />
          <Group grow>
            <NumberInput
              label="Unit price"
              required
              min={0}
              decimalScale={2}
              value={v.unitPrice}
              onChange={(x) => setV({ ...v, unitPrice: x })}
              error={errors.get("unitPrice")}
              data-testid="product-price"
            />
            <TextInput
              label="Currency"
              required
              maxLength={3}
              value={v.currency}
              onChange={(e) => setV({ ...v, currency: e.currentTarget.value.toUpperCase() })}
              error={errors.get("currency")}
              data-testid="product-currency"
            />
          </Group>
          <Textarea label="Description" value={v.description} onChange={(e) => setV({ ...v, description: e.currentTarget.value })} autosize minRows={2} />
          <Switch label="Active (can be added to deals)" checked={v.active} onChange={(e) => setV({ ...v, active: e.currentTarget.checked })} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="product-save">
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PriceListsTab({ canEdit }: { canEdit: boolean }) {
  const lists = useQuery(priceListsQuery);
  const [open, setOpen] = useState<string | "new" | null>(null);
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text fz="sm" c="dimmed">
          A price list sets its own prices for some products in one currency — for partners, regions or tiers. A deal that uses it prices its line items from
          it.
        </Text>
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setOpen("new")} aria-keyshortcuts="c" data-testid="new-price-list">
            New price list
          </Button>
        )}
      </Group>
      {lists.isError && <Alert color="red">{lists.error.message}</Alert>}
      {lists.data?.length === 0 && (
        <Text c="dimmed" ta="center" py="lg">
          No price lists. Deals use the products' own prices until you add one.
        </Text>
      )}
      {(lists.data ?? []).map((l) => (
        <Card key={l.id} withBorder radius="md" padding="sm" data-testid="price-list-row">
          <Group justify="space-between">
            <div>
              <Text fw={500}>{l.name}</Text>
              <Text fz="xs" c="dimmed">
                {l.currency} · {l.entryCount} price{l.entryCount === 1 ? "" : "s"}
                {l.active ? "" : " · inactive"}
              </Text>
            </div>
            <Button variant="light" size="xs" onClick={() => setOpen(l.id)}>
              {canEdit ? "Edit" : "View"}
            </Button>
          </Group>
        </Card>
      ))}
      <PriceListModal id={open} canEdit={canEdit} onClose={() => setOpen(null)} />
    </Stack>
  );
}

function PriceListModal({ id, canEdit, onClose }: { id: string | "new" | null; canEdit: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const existing = useQuery({ ...priceListQuery(id && id !== "new" ? id : "none"), enabled: Boolean(id && id !== "new") });
  const products = useQuery(productsQuery("", true));
  const errors = useFormErrors();
  const [v, setV] = useState<{ name: string; currency: string; active: boolean; entries: { key: string; productId: string | null; price: number | string }[] }>(
    {
      name: "",
      currency: "USD",
      active: true,
      entries: [],
    },
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: load the list once it arrives
  useEffect(() => {
    if (id === "new") setV({ name: "", currency: "USD", active: true, entries: [] });
    else if (existing.data) {
      const l: PriceList = existing.data;
      setV({
        name: l.name,
        currency: l.currency,
        active: l.active,
        entries: l.entries.map((e) => ({ key: e.productId, productId: e.productId, price: e.price })),
      });
    }
    errors.clear();
  }, [id, existing.data]);
  const save = useMutation({
    mutationFn: (body: unknown) => (id && id !== "new" ? api.patch(`/api/v1/price-lists/${id}`, body) : api.post("/api/v1/price-lists", body)),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["price-lists"] });
      notifySuccess("Price list saved");
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the price list"),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/price-lists/${id}`),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["price-lists"] });
      onClose();
    },
    onError: (e) => notifyError(e, "Could not delete the price list"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { ...v, entries: v.entries.filter((x) => x.productId).map((x) => ({ productId: x.productId, price: String(x.price) })) };
    if (errors.validate(CreatePriceListBody.safeParse(body))) save.mutate(body);
  };
  return (
    <Modal opened={Boolean(id)} onClose={onClose} title={id === "new" ? "New price list" : "Price list"} size="lg" centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Group grow>
            <TextInput
              label="Name"
              required
              value={v.name}
              onChange={(e) => setV({ ...v, name: e.currentTarget.value })}
              error={errors.get("name")}
              disabled={!canEdit}
            />
            <TextInput
              label="Currency"
              required
              maxLength={3}
              value={v.currency}
              onChange={(e) => setV({ ...v, currency: e.currentTarget.value.toUpperCase() })}
              error={errors.get("currency")}
              disabled={!canEdit}
            />
          </Group>
          <Text fz="sm" fw={500}>
            Prices
          </Text>
          {v.entries.map((entry, i) => (
            <Group key={entry.key} gap="xs" wrap="nowrap" align="flex-start">
              <Select
                aria-label="Product"
                style={{ flex: 1 }}
                searchable
                data={(products.data?.data ?? []).map((p) => ({ value: p.id, label: `${p.name} · ${p.sku} (${formatMoney(p.unitPrice, p.currency)})` }))}
                value={entry.productId}
                onChange={(x) => setV({ ...v, entries: v.entries.map((e, j) => (j === i ? { ...e, productId: x } : e)) })}
                error={errors.get(`entries.${i}.productId`)}
                disabled={!canEdit}
              />
              <NumberInput
                aria-label="Price"
                w={130}
                min={0}
                decimalScale={2}
                value={entry.price}
                onChange={(x) => setV({ ...v, entries: v.entries.map((e, j) => (j === i ? { ...e, price: x } : e)) })}
                error={errors.get(`entries.${i}.price`)}
                disabled={!canEdit}
              />
              {canEdit && (
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="lg"
                  aria-label="Remove price"
                  onClick={() => setV({ ...v, entries: v.entries.filter((_, j) => j !== i) })}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              )}
            </Group>
          ))}
          {canEdit && (
            <Button
              variant="subtle"
              size="xs"
              w="fit-content"
              leftSection={<IconPlus size={14} />}
              onClick={() => setV({ ...v, entries: [...v.entries, { key: `new-${Date.now()}-${v.entries.length}`, productId: null, price: "" }] })}
            >
              Add a price
            </Button>
          )}
          {canEdit && (
            <Group justify="space-between">
              {id !== "new" ? (
                <Button variant="subtle" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
                  Delete
                </Button>
              ) : (
                <span />
              )}
              <Group gap="xs">
                <Button variant="default" onClick={onClose}>
                  Cancel
                </Button>
                <Button type="submit" loading={save.isPending}>
                  Save
                </Button>
              </Group>
            </Group>
          )}
        </Stack>
      </form>
    </Modal>
  );
}
