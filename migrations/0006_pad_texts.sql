-- Notes texts move out of the pads row. A pads row held two texts of up to 1 MiB each, over D1's 2,000,000-byte
-- row limit; now each text is one pad_texts row (hash + at most 1 MiB), shared by every pad that holds it, and
-- pads keep only hashes. A text is written in the same batch as the pads row that refers to it; the triggers
-- below delete a text in the same statement that drops its last reference, so none is left behind.
CREATE TABLE pad_texts (
  hash TEXT PRIMARY KEY,
  text TEXT NOT NULL
);

INSERT OR IGNORE INTO pad_texts (hash, text)
  SELECT published_hash, published_text FROM pads WHERE published_hash IS NOT NULL AND published_text IS NOT NULL;
INSERT OR IGNORE INTO pad_texts (hash, text)
  SELECT pending_hash, pending_text FROM pads WHERE pending_hash IS NOT NULL AND pending_text IS NOT NULL;
ALTER TABLE pads DROP COLUMN published_text;
ALTER TABLE pads DROP COLUMN pending_text;

-- When the receipt that set the pad's newest revision was received: a lower revision received well after it is
-- a pad that started over, one received within moments of it is a late delivery of the same burst.
-- (last_edit_at, the receipt time of the newest version, is no longer cleared when a version settles: a
-- delivery without revision received before it is older than what the pad holds.)
ALTER TABLE pads ADD COLUMN revision_at TEXT;

-- "Is this text still referenced?" is asked on every supersede: both columns are looked up by hash.
CREATE INDEX pads_published_hash ON pads (published_hash);
CREATE INDEX pads_pending_hash ON pads (pending_hash);

CREATE TRIGGER pads_release_texts_on_update AFTER UPDATE OF published_hash, pending_hash ON pads
BEGIN
  DELETE FROM pad_texts
  WHERE hash IN (OLD.published_hash, OLD.pending_hash)
    AND NOT EXISTS (SELECT 1 FROM pads p WHERE p.published_hash = pad_texts.hash OR p.pending_hash = pad_texts.hash);
END;

CREATE TRIGGER pads_release_texts_on_delete AFTER DELETE ON pads
BEGIN
  DELETE FROM pad_texts
  WHERE hash IN (OLD.published_hash, OLD.pending_hash)
    AND NOT EXISTS (SELECT 1 FROM pads p WHERE p.published_hash = pad_texts.hash OR p.pending_hash = pad_texts.hash);
END;
