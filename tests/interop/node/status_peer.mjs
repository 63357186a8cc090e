// Digital Bazaar's @digitalbazaar/vc-bitstring-status-list@2.0.1 as an interop peer.
// stdin: {op, ...}; stdout: JSON. Signing/verifying reuses di_peer.mjs (eddsa-rdfc-2022, did:key,
// bundled contexts); the status list credential is served from memory by the document loader.
// Ops: make  {id, issuer, key, length?, set: [index], statusPurpose, validFrom?} -> signed list VC
//      read  {encodedList, indexes: [index]} -> {length, statuses}
//      check {credential, statusListCredential} -> {verified, statuses, error}
import {fileURLToPath} from 'node:url';
import {
  createList, createCredential, decodeList, checkStatus
} from '@digitalbazaar/vc-bitstring-status-list';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {sign, documentLoader} from './di_peer.mjs';

export async function make({id, issuer, key, length = 131072, set = [], statusPurpose, validFrom}) {
  const list = await createList({length});
  for(const i of set) {
    list.setStatus(i, true);
  }
  const credential = await createCredential({id, list, statusPurpose});
  credential.issuer = issuer;
  if(validFrom) {
    credential.validFrom = validFrom;
  }
  return sign({suite: 'eddsa-rdfc-2022', document: credential, key});
}

export async function read({encodedList, indexes}) {
  const list = await decodeList({encodedList});
  return {length: list.length, statuses: indexes.map(i => list.getStatus(i))};
}

export async function check({credential, statusListCredential}) {
  const loader = async url => {
    if(url === statusListCredential.id) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(statusListCredential)};
    }
    return documentLoader(url);
  };
  const result = await checkStatus({
    credential,
    documentLoader: loader,
    suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    verifyBitstringStatusListCredential: true,
    verifyMatchingIssuers: true
  });
  return {
    verified: result.verified,
    statuses: (result.results || []).map(r => r.status),
    error: result.error ? String(result.error.message || result.error) : null
  };
}

const OPS = {make, read, check};

if(process.argv[1] === fileURLToPath(import.meta.url)) {
  const chunks = [];
  for await (const c of process.stdin) {
    chunks.push(c);
  }
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  const op = OPS[input.op];
  if(!op) {
    console.error(`unknown op ${input.op}`);
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(await op(input)));
}
