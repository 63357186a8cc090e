// Change a did:ethr DID through ethr-did-resolver's own EthrDidController (non-legacy nonces).
// stdin: {rpcUrl, chainId, registry, privateKey, identity, relayerKey?, ops: [{op, ...}]}
// ops: setAttribute {name, value, exp}, revokeAttribute {name, value}, addDelegate {type, delegate, exp},
//      revokeDelegate {type, delegate}, changeOwner {newOwner}, and *Signed variants (owner signs, relayer sends).
// stdout: {did, receipts: [{blockNumber, status, gasUsed}]}
import { EthrDidController } from 'ethr-did-resolver'
import { JsonRpcProvider, Wallet, SigningKey, NonceManager } from 'ethers'
import { readFileSync } from 'node:fs'

const input = JSON.parse(readFileSync(0, 'utf8'))
const provider = new JsonRpcProvider(input.rpcUrl, BigInt(input.chainId), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 })
provider.pollingInterval = 50
const owner = new Wallet(input.privateKey, provider)
const relayer = input.relayerKey ? new Wallet(input.relayerKey, provider) : owner
const net = `0x${BigInt(input.chainId).toString(16)}`
const mk = (signer) =>
  new EthrDidController(input.identity, undefined, signer, net, provider, undefined, input.registry, false)
const ctl = mk(owner)
const rel = mk(relayer)
const sign = (hash) => {
  const sig = new SigningKey(input.privateKey).sign(hash)
  return { sigV: sig.v, sigR: sig.r, sigS: sig.s }
}
const receipts = []
for (const o of input.ops) {
  let r
  switch (o.op) {
    case 'setAttribute': r = await ctl.setAttribute(o.name, o.value, o.exp); break
    case 'revokeAttribute': r = await ctl.revokeAttribute(o.name, o.value); break
    case 'addDelegate': r = await ctl.addDelegate(o.type, o.delegate, o.exp); break
    case 'revokeDelegate': r = await ctl.revokeDelegate(o.type, o.delegate); break
    case 'changeOwner': r = await ctl.changeOwner(o.newOwner); break
    case 'setAttributeSigned': {
      const h = await ctl.createSetAttributeHash(o.name, o.value, o.exp)
      r = await rel.setAttributeSigned(o.name, o.value, o.exp, sign(h)); break
    }
    case 'addDelegateSigned': {
      const h = await ctl.createAddDelegateHash(o.type, o.delegate, o.exp)
      r = await rel.addDelegateSigned(o.type, o.delegate, o.exp, sign(h)); break
    }
    case 'revokeAttributeSigned': {
      const h = await ctl.createRevokeAttributeHash(o.name, o.value)
      r = await rel.revokeAttributeSigned(o.name, o.value, sign(h)); break
    }
    case 'changeOwnerSigned': {
      const h = await ctl.createChangeOwnerHash(o.newOwner)
      r = await rel.changeOwnerSigned(o.newOwner, sign(h)); break
    }
    default: throw new Error(`unknown op ${o.op}`)
  }
  receipts.push({ blockNumber: r.blockNumber, status: r.status, gasUsed: r.gasUsed.toString() })
}
console.log(JSON.stringify({ did: ctl.did, receipts }))
