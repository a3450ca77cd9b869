-- migrate:up
-- An order and its lines, with the prices of the moment it was placed (exact: numeric).
CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint        NOT NULL REFERENCES users (id),
    total       numeric(12,2) NOT NULL CHECK (total >= 0),
    -- When its confirmation e-mail was handed to the SMTP server (the job marks it).
    confirmation_sent_at timestamptz,
    created_at  timestamptz   NOT NULL DEFAULT now()
);

CREATE INDEX orders_user_idx ON orders (user_id, id);
CREATE INDEX orders_created_idx ON orders (created_at);

CREATE TABLE order_lines (
    order_id    bigint        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  bigint        NOT NULL REFERENCES products (id),
    quantity    integer       NOT NULL CHECK (quantity > 0),
    unit_price  numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, product_id)
);

-- POST /orders with an Idempotency-Key: the key of a user's request, what its body was, and
-- the order it created (set in the transaction that claims the key, so never null once
-- committed). A key lives 24 hours; after that it may be used again.
CREATE TABLE order_requests (
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text        NOT NULL,
    order_id     bigint      REFERENCES orders (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- migrate:down
DROP TABLE order_requests;
DROP TABLE order_lines;
DROP TABLE orders;
