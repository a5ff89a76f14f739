-- The attached rows of a case (steps, materials, notices, 联办 tasks,
-- suspensions, extensions, latest payment, evaluations), each as the JSON
-- array casework reads them in, kept by the transaction that changes the
-- case (casework/load.go). A case is then read in one indexed lookup of
-- two rows instead of eight subqueries (issue 9 item 4). A row whose
-- version is not the case's (a case from before this table, or one whose
-- version an organisation move bumped) is ignored and the parts are read
-- from their tables.

-- +goose Up
CREATE TABLE case_parts (
    case_id     BIGINT  PRIMARY KEY REFERENCES cases(id),
    version     INTEGER NOT NULL,
    steps       TEXT    NOT NULL,
    materials   TEXT    NOT NULL,
    notices     TEXT    NOT NULL,
    tasks       TEXT    NOT NULL,
    suspensions TEXT    NOT NULL,
    extensions  TEXT    NOT NULL,
    payment     TEXT    NOT NULL,
    evaluations TEXT    NOT NULL
);

-- +goose Down
DROP TABLE case_parts;
