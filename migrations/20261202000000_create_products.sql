-- migrate:up
-- The catalogue. Money is numeric (exact), never float. A product is archived rather than
-- deleted: orders keep pointing at what was bought, and its SKU stays taken.
CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text          NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{0,39}$'),
    name        text          NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text          NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    price       numeric(12,2) NOT NULL CHECK (price >= 0),
    stock       integer       NOT NULL DEFAULT 0 CHECK (stock >= 0),
    archived_at timestamptz,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX products_sku_key ON products (sku);
-- Keyset pagination by name and by price (the id order is the primary key's).
CREATE INDEX products_live_name_idx ON products (name, id) WHERE archived_at IS NULL;
CREATE INDEX products_live_price_idx ON products (price, id) WHERE archived_at IS NULL;

CREATE TRIGGER products_set_updated_at BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
DROP TABLE products;
