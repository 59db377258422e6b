-- 0005: devices sign with Ed25519 keys they made; the county keeps the
-- public key only. secret is '' for them, and for a device enrolled before
-- 0.8 once it has moved to a key pair; until then it holds the HMAC secret
-- sealed with the key in secrets.key (secretbox.go).
ALTER TABLE devices ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
