-- Indexes FerretDB 1.x can use, for the embedded stack's PostgreSQL backend (idempotent).
--
-- FerretDB 1.24 pushes an equality filter down as `_jsonb -> 'field' @> '"value"'`, but the
-- indexes it creates for createIndexes are btree indexes on `_jsonb -> 'field'`, which `@>`
-- cannot use: every find, update and delete scanned (and de-TOASTed) the whole collection, so
-- each operation got slower as a collection grew. For every btree index FerretDB creates on
-- `_jsonb -> 'field'` keys, this adds a GIN twin per equality field that serves exactly that `@>`
-- (every twin also costs each write of the row, so sort keys get none).
-- FerretDB does not know about the twins (its own metadata lists its indexes), they go away
-- with their table, and MongoDB, the production store, needs none of this.

SET client_min_messages = warning;

-- Plans are made per execution, so `_jsonb -> $1` becomes `_jsonb -> 'field'` and matches an
-- index on that expression (a generic plan would not).
ALTER DATABASE :"dbname" SET plan_cache_mode = force_custom_plan;

-- Not timestamps (`*_at`: ranges and sorts, never pushed down), and not the partition keys
-- tenant_id and seller_id: they are in every filter and match a whole tenant, so a twin of
-- theirs only tempted the planner away from the selective field (bulk bench, 2,000 orders:
-- 15.6 orders/s without them, and lookups of 1.5-2 s each with them before a table's first analyze).
CREATE OR REPLACE FUNCTION oms_twin_wanted(field text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT field NOT LIKE '%\_at' AND field NOT IN ('tenant_id', 'seller_id')
$$;

CREATE OR REPLACE FUNCTION oms_gin_twin(btree regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  field text;
BEGIN
  SELECT indrelid::regclass INTO tbl FROM pg_index WHERE indexrelid = btree;
  IF tbl IS NULL OR pg_get_indexdef(btree) NOT LIKE '%USING btree%' THEN
    RETURN;
  END IF;
  -- Fresh statistics, so the planner picks the most selective twin: with none it took the
  -- tenant_id twin (when there was one) and read the tenant's every document, 1.5-2 s per
  -- lookup in a 4,000-order table, 1 ms after ANALYZE. Collections grow from nothing in minutes
  -- here, far faster than the default 10% threshold follows.
  EXECUTE format('ALTER TABLE %s SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 100)', tbl);
  -- Top-level fields only (a dotted path is pushed down with #>, not ->), and no descending
  -- keys: those serve sorts, which FerretDB does not push down.
  FOR field IN
    SELECT DISTINCT m[1]
    FROM regexp_matches(pg_get_indexdef(btree), '\(\(_jsonb -> ''([^'']+)''::text\)\)( DESC)?', 'g') AS m
    WHERE m[2] IS NULL AND oms_twin_wanted(m[1])
  LOOP
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops)',
      left((SELECT relname FROM pg_class WHERE oid = tbl), 40) || '_' || left(md5(field), 10) || '_gin',
      tbl,
      field
    );
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION oms_gin_twins_on_create_index() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM oms_gin_twin(cmd.objid::regclass);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS oms_gin_twins;
CREATE EVENT TRIGGER oms_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION oms_gin_twins_on_create_index();

-- Indexes made before this was installed; twins an earlier version made and this one would not.
DO $$
DECLARE
  twin record;
BEGIN
  FOR twin IN
    SELECT schemaname, indexname, (regexp_match(indexdef, '\(\(_jsonb -> ''([^'']+)''::text\)\) jsonb_path_ops'))[1] AS field
    FROM pg_indexes WHERE indexname LIKE '%\_gin' AND indexdef LIKE '%USING gin%jsonb_path_ops%'
  LOOP
    IF NOT oms_twin_wanted(twin.field) THEN
      EXECUTE format('DROP INDEX %I.%I', twin.schemaname, twin.indexname);
    END IF;
  END LOOP;
  PERFORM oms_gin_twin(i.indexrelid::regclass)
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = '_jsonb';
END $$;
