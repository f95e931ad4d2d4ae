-- Every change to a catalog row is announced on the channel `catalog_changed` (payload: its SKU;
-- `*` after a TRUNCATE), whoever made it: `orders catalog upsert`, plain SQL, a migration, another
-- tool. The workers' catalog caches LISTEN and drop what changed (src/infra/catalog-cache.ts), so
-- a cache never holds a price, or a "no such SKU", longer than the moment the notice takes. A
-- notice is sent when the writing transaction commits, never for one that rolls back.
CREATE FUNCTION announce_catalog_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('catalog_changed', '*');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('catalog_changed', OLD.sku);
  ELSE
    PERFORM pg_notify('catalog_changed', NEW.sku);
    IF TG_OP = 'UPDATE' AND OLD.sku IS DISTINCT FROM NEW.sku THEN
      PERFORM pg_notify('catalog_changed', OLD.sku);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER catalog_items_changed AFTER INSERT OR UPDATE OR DELETE ON catalog_items
  FOR EACH ROW EXECUTE FUNCTION announce_catalog_change();
CREATE TRIGGER catalog_items_truncated AFTER TRUNCATE ON catalog_items
  FOR EACH STATEMENT EXECUTE FUNCTION announce_catalog_change();
