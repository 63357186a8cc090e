// Timing peer for bench/di.py: the same operations as didkit-py, in one Node process.
// stdin: {document, keys: {ed25519, bls}, mandatoryPointers, selectivePointers, rounds, warmup}
// stdout: {op: median milliseconds}
import {performance} from 'node:perf_hooks';
import {sign, derive, verify, canonize, documentLoader} from './di_peer.mjs';
import {canonicalizeAndGroup, createHmac, createHmacIdLabelMapFunction} from '@digitalbazaar/di-sd-primitives';

const chunks = [];
for await (const c of process.stdin) {
  chunks.push(c);
}
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const {document, keys, mandatoryPointers, selectivePointers, rounds = 20, warmup = 3} = input;

async function median(fn) {
  for(let i = 0; i < warmup; ++i) {
    await fn();
  }
  const times = [];
  for(let i = 0; i < rounds; ++i) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

const withIssuer = did => ({...document, issuer: did});
const edDoc = withIssuer(`did:key:${keys.ed25519.publicKeyMultibase}`);
const blsDoc = withIssuer(`did:key:${keys.bls.publicKeyMultibase}`);
const out = {};
out.canonicalize = await median(() => canonize({document: edDoc}));
const hmac = await createHmac({key: new Uint8Array(32)});
const groups = {
  mandatory: mandatoryPointers, selective: selectivePointers,
  combined: mandatoryPointers.concat(selectivePointers)
};
out['canonicalizeAndGroup'] = await median(() => canonicalizeAndGroup({
  document: blsDoc, labelMapFactoryFunction: createHmacIdLabelMapFunction({hmac}), groups,
  options: {documentLoader}
}));
const edSigned = await sign({suite: 'eddsa-rdfc-2022', document: edDoc, key: keys.ed25519});
out['eddsa issue'] = await median(() => sign({suite: 'eddsa-rdfc-2022', document: edDoc, key: keys.ed25519}));
out['eddsa verify'] = await median(async () => {
  const r = await verify({document: edSigned});
  if(!r.verified) {
    throw new Error('eddsa verify failed');
  }
});
const base = await sign({suite: 'bbs-2023', document: blsDoc, key: keys.bls, mandatoryPointers});
out['bbs issue'] = await median(() => sign({suite: 'bbs-2023', document: blsDoc, key: keys.bls, mandatoryPointers}));
const derived = await derive({document: base, selectivePointers});
out['bbs derive'] = await median(() => derive({document: base, selectivePointers}));
out['bbs verify'] = await median(async () => {
  const r = await verify({document: derived});
  if(!r.verified) {
    throw new Error('bbs verify failed');
  }
});
process.stdout.write(JSON.stringify(out));
