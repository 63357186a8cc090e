// SD-JWT VC and Token Status List peer for the interop tests: @sd-jwt/sd-jwt-vc, @sd-jwt/core,
// @sd-jwt/crypto-nodejs and @sd-jwt/jwt-status-list (0.19.0, pinned in package.json).
// Reads one JSON request on stdin, prints one JSON answer on stdout.
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import {
  StatusList,
  createHeaderAndPayload,
  getListFromStatusListJWT,
} from '@sd-jwt/jwt-status-list';

const readStdin = async () => {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
};

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

async function signJwt(header, payload, privateJwk) {
  const signer = await ES256.getSigner(privateJwk);
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${await signer(input)}`;
}

function instance({ issuerPrivateJwk, issuerPublicJwk, holderPrivateJwk, statusListJwt, statusPublicJwk }) {
  return (async () => {
    const cfg = {
      hasher: digest,
      hashAlg: 'sha-256',
      saltGenerator: generateSalt,
      signAlg: ES256.alg,
      kbSignAlg: ES256.alg,
      kbVerifier: async (data, sig, payload) => {
        const jwk = payload?.cnf?.jwk;
        if (!jwk) return false;
        return (await ES256.getVerifier(jwk))(data, sig);
      },
    };
    if (issuerPrivateJwk) cfg.signer = await ES256.getSigner(issuerPrivateJwk);
    if (issuerPublicJwk) cfg.verifier = await ES256.getVerifier(issuerPublicJwk);
    if (holderPrivateJwk) cfg.kbSigner = await ES256.getSigner(holderPrivateJwk);
    if (statusListJwt) {
      cfg.statusListFetcher = async () => statusListJwt;
      cfg.statusVerifier = await ES256.getVerifier(statusPublicJwk ?? issuerPublicJwk);
      // report the status instead of only accepting 0, so the test sees the value
      cfg.statusValidator = async (status) => {
        if (status !== 0) throw new Error(`status ${status}`);
      };
    }
    return new SDJwtVcInstance(cfg);
  })();
}

async function main() {
  const req = await readStdin();
  switch (req.op) {
    case 'keys': {
      const issuer = await ES256.generateKeyPair();
      const holder = await ES256.generateKeyPair();
      return { issuer, holder };
    }
    case 'issue': {
      const sd = await instance(req);
      const payload = { ...req.payload };
      if (req.holderPublicJwk) payload.cnf = { jwk: req.holderPublicJwk };
      const token = await sd.issue(payload, req.disclosureFrame, { header: req.header ?? {} });
      return { token };
    }
    case 'present': {
      const sd = await instance(req);
      const kb = req.kb ? { kb: { payload: req.kb } } : undefined;
      const presentation = await sd.present(req.token, req.presentationFrame, kb);
      return { presentation };
    }
    case 'verify': {
      const sd = await instance(req);
      try {
        const opts = { currentDate: req.currentDate };
        if (req.nonce) opts.keyBindingNonce = req.nonce;
        const res = await sd.verify(req.presentation, opts);
        const claims = await (await import('@sd-jwt/core')).SDJwt.fromEncode(req.presentation, digest).then((s) =>
          s.getClaims(digest),
        );
        if (req.aud && res.kb?.payload?.aud !== req.aud) throw new Error('aud mismatch');
        return { ok: true, header: res.header, claims, kb: res.kb?.payload ?? null };
      } catch (e) {
        return { ok: false, error: String(e?.message ?? e) };
      }
    }
    case 'status_create': {
      const list = new StatusList(req.statuses, req.bits);
      const { header, payload } = createHeaderAndPayload(
        list,
        { sub: req.uri, iat: req.iat, ttl: req.ttl, iss: req.iss },
        { alg: 'ES256', typ: 'statuslist+jwt' },
      );
      return { jwt: await signJwt(header, payload, req.issuerPrivateJwk) };
    }
    case 'status_read': {
      const verifier = await ES256.getVerifier(req.issuerPublicJwk);
      const [h, p, s] = req.jwt.split('.');
      const sigOk = await verifier(`${h}.${p}`, s);
      const header = JSON.parse(Buffer.from(h, 'base64url').toString());
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const list = getListFromStatusListJWT(req.jwt);
      const statuses = [];
      for (let i = 0; i < req.count; i++) statuses.push(list.getStatus(i));
      return { sigOk, typ: header.typ, sub: payload.sub, bits: list.getBitsPerStatus(), statuses };
    }
    case 'compact_to_flat': {
      const { FlattenJSON } = await import('@sd-jwt/core');
      return { json: FlattenJSON.fromEncode(req.token).toJson() };
    }
    case 'flat_to_compact': {
      const { FlattenJSON } = await import('@sd-jwt/core');
      return { token: FlattenJSON.fromSerialized(req.json).toEncoded() };
    }
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
  },
);
