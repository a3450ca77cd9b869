-- migrate:up
-- A product's images. The file itself is in the file store (services/storage.py) under
-- file_name, a uuid the server made; content_type is what python-magic found in the bytes,
-- never what the client said. A row is written only after its file was committed.
CREATE TABLE product_images (
    id           uuid        PRIMARY KEY,
    product_id   bigint      NOT NULL REFERENCES products (id),
    file_name    text        NOT NULL UNIQUE CHECK (file_name ~ '^[0-9a-f]{32}\.[a-z0-9]{1,10}$'),
    content_type text        NOT NULL CHECK (length(content_type) BETWEEN 1 AND 100),
    size         bigint      NOT NULL CHECK (size > 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX product_images_product_idx ON product_images (product_id, created_at, id);

-- migrate:down
DROP TABLE product_images;
