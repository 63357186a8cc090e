// BBS peer for didkit-py interop tests and bench: @digitalbazaar/bbs-signatures (pinned).
// stdin: {"ops": [{"op": ..., "ciphersuite": "BLS12-381-SHA-256", ...hex fields}]}
// stdout: {"results": [...]} — one result per op, in order. A verify result is
// {"valid": true|false} (an exception thrown by the peer counts as "not valid" and its
// message is returned in "error"); other ops return hex strings.
import * as bbs from '@digitalbazaar/bbs-signatures';

const hex = s => Uint8Array.from(Buffer.from(s ?? '', 'hex'));
const toHex = b => Buffer.from(b).toString('hex');

async function verdict(promise) {
  try {
    return {valid: (await promise) === true};
  } catch(e) {
    return {valid: false, error: String(e && e.message || e)};
  }
}

async function run(op) {
  const ciphersuite = op.ciphersuite;
  switch(op.op) {
    case 'keygen': {
      const kp = await bbs.generateKeyPair({ciphersuite});
      return {secretKey: toHex(kp.secretKey), publicKey: toHex(kp.publicKey)};
    }
    case 'skToPk':
      return toHex(await bbs.secretKeyToPublicKey({secretKey: hex(op.secretKey), ciphersuite}));
    case 'sign':
      return toHex(await bbs.sign({
        secretKey: hex(op.secretKey), publicKey: hex(op.publicKey), header: hex(op.header),
        messages: op.messages.map(hex), ciphersuite
      }));
    case 'verify':
      return verdict(bbs.verifySignature({
        publicKey: hex(op.publicKey), signature: hex(op.signature), header: hex(op.header),
        messages: op.messages.map(hex), ciphersuite
      }));
    case 'deriveProof':
      return toHex(await bbs.deriveProof({
        publicKey: hex(op.publicKey), signature: hex(op.signature), header: hex(op.header),
        messages: op.messages.map(hex), presentationHeader: hex(op.presentationHeader),
        disclosedMessageIndexes: op.disclosedIndexes, ciphersuite
      }));
    case 'verifyProof':
      return verdict(bbs.verifyProof({
        publicKey: hex(op.publicKey), proof: hex(op.proof), header: hex(op.header),
        presentationHeader: hex(op.presentationHeader),
        disclosedMessages: op.disclosedMessages.map(hex),
        disclosedMessageIndexes: op.disclosedIndexes, ciphersuite
      }));
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

let input = '';
for await (const chunk of process.stdin) {
  input += chunk;
}
const {ops} = JSON.parse(input);
const results = [];
for(const op of ops) {
  results.push(await run(op));
}
process.stdout.write(JSON.stringify({results}));
