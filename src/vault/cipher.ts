import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/** Ansible's VaultAES256: PBKDF2-HMAC-SHA256, 10000 rounds, 80 bytes = AES key + HMAC key + CTR IV. */
const ROUNDS = 10_000;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const SALT_BYTES = 32;
const BLOCK = 16;

interface DerivedKeys {
  cipherKey: Buffer;
  hmacKey: Buffer;
  iv: Buffer;
}

export interface EncryptedParts {
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

function deriveKeys(password: Buffer, salt: Buffer): DerivedKeys {
  const derived = pbkdf2Sync(password, salt, ROUNDS, 2 * KEY_BYTES + IV_BYTES, "sha256");
  return {
    cipherKey: derived.subarray(0, KEY_BYTES),
    hmacKey: derived.subarray(KEY_BYTES, 2 * KEY_BYTES),
    iv: derived.subarray(2 * KEY_BYTES),
  };
}

/** `salt` is for reproducing known vectors; leave it out to get 32 fresh random bytes as Ansible does. */
export function encryptParts(
  plaintext: Buffer,
  password: Buffer,
  salt: Buffer = randomBytes(SALT_BYTES),
): EncryptedParts {
  const keys = deriveKeys(password, salt);
  // Ansible pads with PKCS#7 even though CTR needs no padding; the format depends on it.
  const padding = BLOCK - (plaintext.length % BLOCK);
  const padded = Buffer.concat([plaintext, Buffer.alloc(padding, padding)]);
  const cipher = createCipheriv("aes-256-ctr", keys.cipherKey, keys.iv);
  const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
  const hmac = createHmac("sha256", keys.hmacKey).update(ciphertext).digest();
  return { salt, hmac, ciphertext };
}

/**
 * Checks the HMAC in constant time and only then decrypts. Returns undefined when the HMAC does not
 * match: a wrong password and tampered data are indistinguishable, by design.
 */
export function decryptParts(parts: EncryptedParts, password: Buffer): Buffer | undefined {
  const keys = deriveKeys(password, parts.salt);
  const expected = createHmac("sha256", keys.hmacKey).update(parts.ciphertext).digest();
  if (parts.hmac.length !== expected.length || !timingSafeEqual(parts.hmac, expected)) return undefined;
  const decipher = createDecipheriv("aes-256-ctr", keys.cipherKey, keys.iv);
  const padded = Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  const padding = padded.at(-1) ?? 0;
  const validPadding =
    padding >= 1 &&
    padding <= BLOCK &&
    padding <= padded.length &&
    padded.subarray(-padding).every((b) => b === padding);
  // An authenticated ciphertext with bad padding was written by a broken encrypter, not by Ansible.
  if (!validPadding) return undefined;
  return padded.subarray(0, padded.length - padding);
}
