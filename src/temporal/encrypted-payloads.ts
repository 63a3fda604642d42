/** How an encrypted payload is marked: shared by the codec (Node only) and the payload converter (workflow-safe). */

/** The `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';

/** The metadata key that names the key a payload was encrypted with. */
export const ENCRYPTION_KEY_ID_METADATA_KEY = 'encryption-key-id';
