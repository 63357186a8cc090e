// Digital Bazaar's Data Integrity stack as an interop peer for didkit-py.
// stdin: {op, ...}; stdout: JSON. Contexts come from didkit-py's bundled copies (the same
// files both sides use), did:key resolves locally through @digitalbazaar/did-method-key.
// Ops: sign {suite, document, key: {publicKeyMultibase, secretKeyMultibase}, mandatoryPointers?, created?}
//      derive {document, selectivePointers, presentationHeaderHex?}
//      verify {document, purpose?, challenge?, domain?}
//      bench {...} (see bench/di.py)
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import jsigs from 'jsonld-signatures';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as bbs2023 from '@digitalbazaar/bbs-2023-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';
import {canonicalize as sdCanonicalize} from '@digitalbazaar/di-sd-primitives';

const {purposes: {AssertionProofPurpose, AuthenticationProofPurpose}} = jsigs;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CONTEXTS = path.resolve(HERE, '../../../didkit_py/jsonld/contexts');
const index = JSON.parse(fs.readFileSync(path.join(CONTEXTS, 'index.json'), 'utf8'));
const contexts = new Map(Object.entries(index).map(
  ([url, file]) => [url, JSON.parse(fs.readFileSync(path.join(CONTEXTS, file), 'utf8'))]));

const didKey = didKeyDriverFactory();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKey.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
didKey.use({multibaseMultikeyHeader: 'zUC7', fromMultibase: Bls12381Multikey.from});

export async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`document loader: not allowed: ${url}`);
}

async function keyPair(suite, key, did) {
  const vm = `${did}#${key.publicKeyMultibase}`;
  const multikey = {
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey', id: vm, controller: did,
    publicKeyMultibase: key.publicKeyMultibase, secretKeyMultibase: key.secretKeyMultibase
  };
  if(suite === 'bbs-2023') {
    return Bls12381Multikey.from(multikey);
  }
  if(suite === 'eddsa-rdfc-2022') {
    return Ed25519Multikey.from(multikey);
  }
  return EcdsaMultikey.from(multikey);
}

export async function sign({suite, document, key, mandatoryPointers = [], created, purpose, challenge, domain}) {
  const did = `did:key:${key.publicKeyMultibase}`;
  const kp = await keyPair(suite, key, did);
  const signer = kp.signer();
  let cryptosuite;
  if(suite === 'bbs-2023') {
    cryptosuite = bbs2023.createSignCryptosuite({mandatoryPointers});
  } else if(suite === 'eddsa-rdfc-2022') {
    cryptosuite = eddsaRdfc2022;
  } else {
    cryptosuite = ecdsaRdfc2019;
  }
  const proof = new DataIntegrityProof({signer, cryptosuite, date: created});
  const p = purpose === 'authentication' ?
    new AuthenticationProofPurpose({challenge, domain}) : new AssertionProofPurpose();
  return jsigs.sign(structuredClone(document), {suite: proof, purpose: p, documentLoader});
}

export async function derive({document, selectivePointers, presentationHeaderHex = ''}) {
  const cryptosuite = bbs2023.createDiscloseCryptosuite({
    selectivePointers, presentationHeader: Uint8Array.from(Buffer.from(presentationHeaderHex, 'hex'))
  });
  return jsigs.derive(structuredClone(document), {
    suite: new DataIntegrityProof({cryptosuite}), purpose: new AssertionProofPurpose(), documentLoader
  });
}

export async function verify({document, purpose, challenge, domain}) {
  const proofs = Array.isArray(document.proof) ? document.proof : [document.proof];
  const name = proofs[0]?.cryptosuite;
  let cryptosuite;
  if(name === 'bbs-2023') {
    cryptosuite = bbs2023.createVerifyCryptosuite();
  } else if(name === 'eddsa-rdfc-2022') {
    cryptosuite = eddsaRdfc2022;
  } else {
    cryptosuite = ecdsaRdfc2019;
  }
  const p = purpose === 'authentication' ?
    new AuthenticationProofPurpose({challenge, domain}) : new AssertionProofPurpose();
  const result = await jsigs.verify(structuredClone(document), {
    suite: new DataIntegrityProof({cryptosuite}), purpose: p, documentLoader
  });
  const errors = [];
  const collect = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e.errors)) {
      e.errors.forEach(collect);
    } else {
      errors.push(String(e.message || e));
    }
  };
  collect(result.error);
  // jsonld-signatures calls a document verified when *some* proof verifies; report each proof.
  const proofsVerified = (result.results || []).map(r => r.verified);
  return {verified: result.verified, errors, proofsVerified};
}

function _verifySuite(document) {
  const proofs = Array.isArray(document.proof) ? document.proof : [document.proof];
  const name = proofs[0]?.cryptosuite;
  const cryptosuite = name === 'bbs-2023' ? bbs2023.createVerifyCryptosuite() :
    name === 'eddsa-rdfc-2022' ? eddsaRdfc2022 : ecdsaRdfc2019;
  return new DataIntegrityProof({cryptosuite});
}

function _errors(e, out = []) {
  if(!e) {
    return out;
  }
  if(Array.isArray(e.errors)) {
    e.errors.forEach(x => _errors(x, out));
  } else {
    out.push(String(e.message || e));
  }
  return out;
}

// @digitalbazaar/vc: data-model checks + proof, issuer must control the verification method.
export async function vcVerify({document}) {
  const result = await vc.verifyCredential({
    credential: structuredClone(document), suite: _verifySuite(document), documentLoader
  });
  return {verified: result.verified, errors: _errors(result.error)};
}

// @digitalbazaar/vc presentation check (authentication proof, challenge/domain, every VC).
export async function vpVerify({document, challenge, domain}) {
  const result = await vc.verify({
    presentation: structuredClone(document), challenge, domain, documentLoader,
    presentationPurpose: new AuthenticationProofPurpose({challenge, domain}),
    suite: [_verifySuite(document), ...((Array.isArray(document.verifiableCredential) ?
      document.verifiableCredential : [document.verifiableCredential]).filter(Boolean).map(_verifySuite))]
  });
  return {verified: result.verified, errors: _errors(result.error)};
}

export async function canonize({document}) {
  return sdCanonicalize(document, {documentLoader});
}

export async function batch({ops}) {
  const out = [];
  for(const item of ops) {
    try {
      out.push({ok: true, result: await OPS[item.op](item)});
    } catch(e) {
      out.push({ok: false, error: String(e && e.message || e)});
    }
  }
  return out;
}

const OPS = {sign, derive, verify, canonize, batch, vcVerify, vpVerify};

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
  const out = await op(input);
  process.stdout.write(JSON.stringify(out));
}
