-- Moves in a workspace queue on its roll-up lock (migration 0004), held from the first roll-up trigger to the commit.
-- The link trigger took it before its own UPDATE of the deal's previous change: with pg_stat_statements during the
-- bench's deals.move (10 concurrent moves, 1m deals) that UPDATE took 0.7 ms of the ~1.5 ms each move held the lock,
-- and the moves spent ~17 ms each waiting for it. The UPDATE writes no roll-up row itself: the flow trigger it fires
-- (deal_stage_flow_update) takes the lock before it touches one, so the rule that every roll-up row is locked under
-- the workspace's lock still holds. The change rows it locks belong to the deal being moved, whose row every writer
-- of its stage changes has already locked (moveDeal and updateDeal lock it FOR UPDATE, a stage's removal updates
-- the deals first), so waiting for them cannot close a cycle with the roll-up lock.
CREATE OR REPLACE FUNCTION "deal_stage_changes_link"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE deal_stage_changes p SET left_at = n.at, next_stage_id = n.to_stage_id
    FROM new_changes n
    CROSS JOIN LATERAL (SELECT c.id FROM deal_stage_changes c
                         WHERE c.workspace_id = n.workspace_id AND c.deal_id = n.deal_id AND (c.at, c.id) < (n.at, n.id)
                         ORDER BY c.at DESC, c.id DESC LIMIT 1) prev
   WHERE p.workspace_id = n.workspace_id AND p.id = prev.id;
  UPDATE deal_stage_changes p SET left_at = nx.at, next_stage_id = nx.to_stage_id
    FROM new_changes n
    CROSS JOIN LATERAL (SELECT c.at, c.to_stage_id FROM deal_stage_changes c
                         WHERE c.workspace_id = n.workspace_id AND c.deal_id = n.deal_id AND (c.at, c.id) > (n.at, n.id)
                         ORDER BY c.at, c.id LIMIT 1) nx
   WHERE p.workspace_id = n.workspace_id AND p.id = n.id;
  RETURN NULL;
END
$$;
