// Timing peer for bench/bbs.py: @digitalbazaar/bbs-signatures on the inputs Python sends.
// A line protocol on stdin/stdout (one JSON object per line), so the bench can interleave
// JS runs with its own and load on the machine hits every implementation alike:
//   {"setup": [{"ciphersuite", "secretKey", "publicKey", "header", "ph",
//               "messages": [hex], "disclosed": [int]}, ...]}
//     -> {"signatures": [hex, ...], "ok": [bool, ...]}   (JS sign output; its own proofs verify)
//   {"config": i, "op": "sign"|"verify"|"proof_gen"|"proof_verify", "n": k}
//     -> {"times": [ms, ...]}        (CPU time of k calls, no warm-up: process.cpuUsage, so
//                                     load from other processes on the machine does not count)
import * as bbs from '@digitalbazaar/bbs-signatures';
import readline from 'node:readline';

const hex = s => Uint8Array.from(Buffer.from(s ?? '', 'hex'));
const toHex = b => Buffer.from(b).toString('hex');
let configs = [];

async function setup(list) {
  configs = [];
  const signatures = [];
  const ok = [];
  for(const c of list) {
    const ciphersuite = c.ciphersuite;
    const x = {
      ciphersuite, secretKey: hex(c.secretKey), publicKey: hex(c.publicKey), header: hex(c.header),
      presentationHeader: hex(c.ph), messages: c.messages.map(hex), disclosedMessageIndexes: c.disclosed
    };
    x.disclosedMessages = x.disclosedMessageIndexes.map(i => x.messages[i]);
    x.signature = await bbs.sign(x);
    x.proof = await bbs.deriveProof(x);
    configs.push(x);
    signatures.push(toHex(x.signature));
    ok.push(await bbs.verifySignature(x) && await bbs.verifyProof(x));
  }
  return {signatures, ok};
}

const OPS = {
  sign: x => bbs.sign(x),
  verify: x => bbs.verifySignature(x),
  proof_gen: x => bbs.deriveProof(x),
  proof_verify: x => bbs.verifyProof(x)
};

const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
for await (const line of rl) {
  if(!line.trim()) {
    continue;
  }
  const req = JSON.parse(line);
  let reply;
  if(req.setup) {
    reply = await setup(req.setup);
  } else {
    const x = configs[req.config];
    const fn = OPS[req.op];
    const times = [];
    for(let i = 0; i < req.n; ++i) {
      const t0 = process.cpuUsage();
      const out = await fn(x);
      const dt = process.cpuUsage(t0);
      times.push((dt.user + dt.system) / 1000);
      if(out === false) {
        throw new Error(`${req.op} returned false`);
      }
    }
    reply = {times};
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
