-- Hand-written (issue #18): every saved condition moves to the one condition language (src/contract/conditions.ts),
-- written so the new evaluator selects the same records the old one did:
--   * assignment and scoring rules: a list of leaves that all had to match becomes { "all": [...] }; companySize and
--     companyIndustry become the related company's fields; text values lose the blanks the old matching trimmed off;
--     "contains" on a list (tags, several choices) asked for a part of any item and becomes "anyContains"; a single
--     value of "in" becomes a list; a several-choices value is spelled as its option is (lists compare exactly); a
--     test that held for a blank company value ("is not", "is empty") also holds for a contact without a company.
--   * everywhere: "contains" on a choice field (lead source, a custom choice) becomes "is any of" the choices holding
--     the text: the language has values picked from the options, not typed.
--   * saved views: "gt/gte/lt/lte" with a bare date on a timestamp compared with that date's midnight UTC; the new
--     language reads a bare date in the workspace's time zone, so the value becomes that instant.
--   * workflows (triggers' filters, if/else and wait conditions): "address.country" and the like become the field's
--     own name; "contains" on a list becomes "anyContains"; an empty "any" (the old evaluator: holds) becomes an
--     empty "all"; a bare date compared with a timestamp (the old evaluator compared text: a timestamp sorted after
--     its own date) becomes that date's midnight UTC, "gt"/"gte" as "gte" and "lt"/"lte" as "lt".
-- The helper functions exist only while this migration runs. Running the conversion again changes nothing.
CREATE FUNCTION rapport_c18_trim(v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(v)
    WHEN 'string' THEN to_jsonb(btrim(v #>> '{}'))
    WHEN 'array' THEN (SELECT coalesce(jsonb_agg(CASE jsonb_typeof(x) WHEN 'string' THEN to_jsonb(btrim(x #>> '{}')) ELSE x END ORDER BY i), '[]'::jsonb)
                         FROM jsonb_array_elements(v) WITH ORDINALITY AS e(x, i))
    ELSE v END
$$;
--> statement-breakpoint
-- A value spelled as the option it names, ignoring case (options: the field's options, a JSON array of strings).
CREATE FUNCTION rapport_c18_option(v jsonb, options jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(v) = 'string' THEN coalesce((SELECT o FROM jsonb_array_elements(options) o WHERE lower(o #>> '{}') = lower(v #>> '{}') LIMIT 1), v)
    WHEN jsonb_typeof(v) = 'array' THEN (SELECT coalesce(jsonb_agg(rapport_c18_option(x, options) ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(v) WITH ORDINALITY AS e(x, i))
    ELSE v END
$$;
--> statement-breakpoint
-- The values of a choice field (built-in: src/contract/fields.ts; custom: the field's options), null for other fields.
CREATE FUNCTION rapport_c18_choices(ws uuid, obj text, f text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN f LIKE 'custom.%' THEN (SELECT options FROM custom_fields WHERE workspace_id = ws AND object = obj AND key = substr(f, 8) AND type = 'select')
    WHEN obj = 'contact' AND f = 'lifecycleStage' THEN '["subscriber","lead","marketing_qualified","sales_qualified","opportunity","customer","evangelist","other"]'::jsonb
    WHEN obj = 'contact' AND f = 'leadSource' THEN '["web_form","referral","cold_call","event","ad","import","api","other"]'::jsonb
    WHEN obj = 'contact' AND f = 'leadStatus' THEN '["new","attempting_contact","connected","qualified","unqualified"]'::jsonb
    WHEN obj = 'deal' AND f = 'status' THEN '["open","won","lost"]'::jsonb
    WHEN obj = 'task' AND f = 'priority' THEN '["low","normal","high","urgent"]'::jsonb
    WHEN obj = 'task' AND f = 'status' THEN '["open","done","cancelled"]'::jsonb
    WHEN obj = 'activity' AND f = 'type' THEN '["note","call","email","meeting"]'::jsonb
  END
$$;
--> statement-breakpoint
-- "contains" on a choice field (the language offers none: values are picked) becomes "is any of" the choices that
-- contain the text, or a condition nothing meets when none does. Other leaves are returned as they are.
CREATE FUNCTION rapport_c18_choice_contains(leaf jsonb, ws uuid, obj text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN leaf ->> 'op' <> 'contains' OR jsonb_typeof(leaf -> 'value') NOT IN ('string', 'number') THEN leaf
    WHEN rapport_c18_choices(ws, obj, leaf ->> 'field') IS NULL THEN leaf
    ELSE coalesce(
      (SELECT jsonb_build_object('field', leaf ->> 'field', 'op', 'in', 'value', jsonb_agg(o ORDER BY i))
         FROM jsonb_array_elements(rapport_c18_choices(ws, obj, leaf ->> 'field')) WITH ORDINALITY AS e(o, i)
        WHERE strpos(lower(o #>> '{}'), lower(leaf #>> '{value}')) > 0
       HAVING count(*) > 0),
      '{"any":[]}'::jsonb)
  END
$$;
--> statement-breakpoint
-- One leaf of an assignment or scoring rule. multi: the workspace's contact "several choices" fields, key → options.
CREATE FUNCTION rapport_c18_rule_leaf(leaf jsonb, multi jsonb, ws uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  f text := leaf ->> 'field';
  op text := leaf ->> 'op';
  v jsonb := rapport_c18_trim(leaf -> 'value');
  key text := CASE WHEN f LIKE 'custom.%' THEN substr(f, 8) END;
  is_list boolean;
BEGIN
  IF leaf ? 'all' OR leaf ? 'any' OR f IS NULL THEN RETURN leaf; END IF;
  f := CASE f WHEN 'companySize' THEN 'company.employees' WHEN 'companyIndustry' THEN 'company.industry' ELSE f END;
  is_list := f = 'tags' OR (key IS NOT NULL AND multi ? key);
  IF op IN ('empty', 'notEmpty') THEN
    leaf := jsonb_build_object('field', f, 'op', op);
    IF f LIKE 'company.%' AND op = 'empty' THEN
      RETURN jsonb_build_object('any', jsonb_build_array(jsonb_build_object('field', 'companyId', 'op', 'empty'), leaf));
    END IF;
    RETURN leaf;
  END IF;
  IF op = 'contains' AND is_list THEN op := 'anyContains'; END IF;
  IF op = 'in' AND jsonb_typeof(v) <> 'array' THEN v := jsonb_build_array(v); END IF;
  IF key IS NOT NULL AND multi ? key AND op <> 'anyContains' THEN v := rapport_c18_option(v, multi -> key); END IF;
  leaf := CASE WHEN v IS NULL THEN jsonb_build_object('field', f, 'op', op) ELSE jsonb_build_object('field', f, 'op', op, 'value', v) END;
  leaf := rapport_c18_choice_contains(leaf, ws, 'contact');
  IF f LIKE 'company.%' AND op = 'neq' THEN
    RETURN jsonb_build_object('any', jsonb_build_array(jsonb_build_object('field', 'companyId', 'op', 'empty'), leaf));
  END IF;
  RETURN leaf;
END $$;
--> statement-breakpoint
CREATE FUNCTION rapport_c18_rule(conditions jsonb, multi jsonb, ws uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN jsonb_typeof(conditions) = 'array'
    THEN jsonb_build_object('all', (SELECT coalesce(jsonb_agg(rapport_c18_rule_leaf(c, multi, ws) ORDER BY i), '[]'::jsonb)
                                      FROM jsonb_array_elements(conditions) WITH ORDINALITY AS e(c, i)))
    ELSE conditions END
$$;
--> statement-breakpoint
CREATE FUNCTION rapport_c18_multi(ws uuid, obj text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_object_agg(key, options), '{}'::jsonb) FROM custom_fields
   WHERE workspace_id = ws AND object = obj AND type = 'multi_select'
$$;
--> statement-breakpoint
UPDATE assignment_rules SET conditions = rapport_c18_rule(conditions, rapport_c18_multi(workspace_id, 'contact'), workspace_id)
 WHERE jsonb_typeof(conditions) = 'array';
--> statement-breakpoint
UPDATE scoring_rules SET conditions = rapport_c18_rule(conditions, rapport_c18_multi(workspace_id, 'contact'), workspace_id)
 WHERE jsonb_typeof(conditions) = 'array';
--> statement-breakpoint
-- The built-in timestamp fields of each kind of record (src/contract/fields.ts, type datetime).
CREATE FUNCTION rapport_c18_is_timestamp(obj text, f text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT f IN ('createdAt', 'updatedAt')
      OR (obj = 'deal' AND f IN ('stageEnteredAt', 'closedAt'))
      OR (obj = 'task' AND f IN ('dueAt', 'completedAt'))
      OR (obj = 'activity' AND f = 'occurredAt')
$$;
--> statement-breakpoint
CREATE FUNCTION rapport_c18_view_leaf(leaf jsonb, obj text, ws uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN leaf ->> 'op' = 'contains' THEN rapport_c18_choice_contains(leaf, ws, obj)
    WHEN leaf ->> 'op' IN ('gt', 'gte', 'lt', 'lte') AND rapport_c18_is_timestamp(obj, leaf ->> 'field')
         AND jsonb_typeof(leaf -> 'value') = 'string' AND (leaf ->> 'value') ~ '^\d{4}-\d{2}-\d{2}$'
    THEN jsonb_set(leaf, '{value}', to_jsonb((leaf ->> 'value') || 'T00:00:00.000Z'))
    ELSE leaf END
$$;
--> statement-breakpoint
UPDATE saved_views SET state = jsonb_set(state, '{filters}',
  (SELECT coalesce(jsonb_agg(rapport_c18_view_leaf(c, object, workspace_id) ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(state -> 'filters') WITH ORDINALITY AS e(c, i)))
 WHERE jsonb_typeof(state -> 'filters') = 'array' AND jsonb_array_length(state -> 'filters') > 0;
--> statement-breakpoint
-- A workflow condition (a group or a leaf) on a record of kind obj; multi as above, for that kind.
CREATE FUNCTION rapport_c18_wf(c jsonb, obj text, multi jsonb, ws uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  k text;
  f text;
  op text;
  v jsonb;
  key text;
BEGIN
  IF c IS NULL OR jsonb_typeof(c) <> 'object' THEN RETURN c; END IF;
  IF c = '{}'::jsonb THEN RETURN '{"all":[]}'::jsonb; END IF;
  IF c ? 'all' OR c ? 'any' THEN
    k := CASE WHEN c ? 'all' THEN 'all' ELSE 'any' END;
    IF k = 'any' AND jsonb_array_length(c -> 'any') = 0 THEN RETURN '{"all":[]}'::jsonb; END IF;
    RETURN jsonb_build_object(k, (SELECT coalesce(jsonb_agg(rapport_c18_wf(x, obj, multi, ws) ORDER BY i), '[]'::jsonb)
                                    FROM jsonb_array_elements(c -> k) WITH ORDINALITY AS e(x, i)));
  END IF;
  f := c ->> 'field';
  op := c ->> 'op';
  v := c -> 'value';
  IF f IS NULL THEN RETURN c; END IF;
  IF obj IN ('contact', 'company') AND f IN ('address.country', 'address.region', 'address.city') THEN f := substr(f, 9); END IF;
  IF obj = 'contact' AND f = 'emails' THEN f := 'email'; END IF;
  key := CASE WHEN f LIKE 'custom.%' THEN substr(f, 8) END;
  IF op = 'contains' AND (f = 'tags' OR f = 'email' AND obj = 'contact' OR (key IS NOT NULL AND multi ? key)) THEN op := 'anyContains'; END IF;
  IF op = 'in' AND v IS NOT NULL AND jsonb_typeof(v) <> 'array' THEN v := jsonb_build_array(v); END IF;
  IF op IN ('gt', 'gte', 'lt', 'lte') AND rapport_c18_is_timestamp(obj, f) AND jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^\d{4}-\d{2}-\d{2}$' THEN
    v := to_jsonb((v #>> '{}') || 'T00:00:00.000Z');
    op := CASE WHEN op IN ('gt', 'gte') THEN 'gte' ELSE 'lt' END;
  END IF;
  IF op IN ('empty', 'notEmpty', 'changed') OR v IS NULL THEN RETURN jsonb_build_object('field', f, 'op', op); END IF;
  RETURN rapport_c18_choice_contains(jsonb_build_object('field', f, 'op', op, 'value', v), ws, obj);
END $$;
--> statement-breakpoint
CREATE FUNCTION rapport_c18_wf_definition(d jsonb, multi jsonb, ws uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_set(
    CASE WHEN jsonb_typeof(d #> '{trigger,filter}') = 'object'
      THEN jsonb_set(d, '{trigger,filter}', rapport_c18_wf(d #> '{trigger,filter}', d #>> '{trigger,object}', multi, ws)) ELSE d END,
    '{steps}',
    (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(s #> '{config,condition}') = 'object'
                                    THEN jsonb_set(s, '{config,condition}', rapport_c18_wf(s #> '{config,condition}', d #>> '{trigger,object}', multi, ws))
                                    ELSE s END ORDER BY i), '[]'::jsonb)
       FROM jsonb_array_elements(coalesce(d -> 'steps', '[]'::jsonb)) WITH ORDINALITY AS e(s, i)))
$$;
--> statement-breakpoint
UPDATE workflow_versions SET definition = rapport_c18_wf_definition(definition, rapport_c18_multi(workspace_id, definition #>> '{trigger,object}'), workspace_id)
 WHERE jsonb_typeof(definition) = 'object';
--> statement-breakpoint
DROP FUNCTION rapport_c18_wf_definition(jsonb, jsonb, uuid);
--> statement-breakpoint
DROP FUNCTION rapport_c18_wf(jsonb, text, jsonb, uuid);
--> statement-breakpoint
DROP FUNCTION rapport_c18_view_leaf(jsonb, text, uuid);
--> statement-breakpoint
DROP FUNCTION rapport_c18_is_timestamp(text, text);
--> statement-breakpoint
DROP FUNCTION rapport_c18_multi(uuid, text);
--> statement-breakpoint
DROP FUNCTION rapport_c18_rule(jsonb, jsonb, uuid);
--> statement-breakpoint
DROP FUNCTION rapport_c18_rule_leaf(jsonb, jsonb, uuid);
--> statement-breakpoint
DROP FUNCTION rapport_c18_choice_contains(jsonb, uuid, text);
--> statement-breakpoint
DROP FUNCTION rapport_c18_choices(uuid, text, text);
--> statement-breakpoint
DROP FUNCTION rapport_c18_option(jsonb, jsonb);
--> statement-breakpoint
DROP FUNCTION rapport_c18_trim(jsonb);
