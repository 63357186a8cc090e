// Resolve did:ethr DIDs with ethr-did-resolver (pinned) against a node.
// stdin: {rpcUrl, chainId, registry, name?, dids: [string], bench?: {rounds}}
// stdout: [{didResolutionMetadata, didDocument, didDocumentMetadata}] or, with bench, timings (ms).
import { Resolver } from 'did-resolver'
import { getResolver } from 'ethr-did-resolver'
import { readFileSync } from 'node:fs'

const input = JSON.parse(readFileSync(0, 'utf8'))
const net = { chainId: input.chainId, rpcUrl: input.rpcUrl, registry: input.registry }
if (input.name) net.name = input.name
const resolver = new Resolver(getResolver({ networks: [net] }), { cache: false })

if (input.bench) {
  const out = {}
  for (const did of input.dids) {
    await resolver.resolve(did) // warm-up
    const times = []
    for (let i = 0; i < input.bench.rounds; i++) {
      const t0 = process.hrtime.bigint()
      const r = await resolver.resolve(did)
      times.push(Number(process.hrtime.bigint() - t0) / 1e6)
      if (r.didResolutionMetadata.error) throw new Error(r.didResolutionMetadata.message)
    }
    out[did] = times
  }
  console.log(JSON.stringify(out))
} else {
  const out = []
  for (const did of input.dids) out.push(await resolver.resolve(did))
  console.log(JSON.stringify(out))
}
