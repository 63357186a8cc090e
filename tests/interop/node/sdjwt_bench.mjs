// Benchmark peer for bench/sd_jwt.py: issue / present (with KB) / verify of a 20-claim SD-JWT VC
// with @sd-jwt/sd-jwt-vc 0.19.0 and ES256 from @sd-jwt/crypto-nodejs. Prints median ms per op.
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const req = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
const { claims, disclose, reveal, rounds = 50, warmup = 5, now, aud, nonce } = req;

const issuer = await ES256.generateKeyPair();
const holder = await ES256.generateKeyPair();
const sd = new SDJwtVcInstance({
  hasher: digest,
  hashAlg: 'sha-256',
  saltGenerator: generateSalt,
  signer: await ES256.getSigner(issuer.privateKey),
  verifier: await ES256.getVerifier(issuer.publicKey),
  signAlg: ES256.alg,
  kbSigner: await ES256.getSigner(holder.privateKey),
  kbSignAlg: ES256.alg,
  kbVerifier: async (data, sig, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, sig),
});
const payload = { iss: 'https://issuer.example', vct: 'https://credentials.example/bench', iat: now, cnf: { jwk: holder.publicKey }, ...claims };
const frame = { _sd: disclose };
const presentFrame = Object.fromEntries(reveal.map((k) => [k, true]));

async function time(fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const t = [];
  for (let i = 0; i < rounds; i++) {
    const s = process.hrtime.bigint();
    await fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const token = await sd.issue(payload, frame);
const pres = await sd.present(token, presentFrame, { kb: { payload: { iat: now, aud, nonce } } });
const issue = await time(() => sd.issue(payload, frame));
const present = await time(() => sd.present(token, presentFrame, { kb: { payload: { iat: now, aud, nonce } } }));
const verify = await time(() => sd.verify(pres, { keyBindingNonce: nonce, currentDate: now }));
process.stdout.write(JSON.stringify({ issue, present, verify, node: process.version }));
