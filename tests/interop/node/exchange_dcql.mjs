// npm `dcql` 3.0.0: DcqlQuery.parse/validate/query.
// stdin: {"query": DCQL, "credentials": [{"id", "format", "type": [expanded IRIs], "claims": VC}]}
// stdout: {"can_be_satisfied", "queries": {query_id: {"ids": [...], "claim_sets": {id: [claim index, ...]}}},
//          "credential_sets": [{"options": [...], "required", "matching_options": [...]}] | null}
import { DcqlQuery } from 'dcql';

const input = JSON.parse(await new Promise((resolve) => {
  let s = ''; process.stdin.on('data', (d) => { s += d; }); process.stdin.on('end', () => resolve(s));
}));
let q;
try {
  q = DcqlQuery.parse(input.query);
  DcqlQuery.validate(q);
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }));
  process.exit(0);
}
const creds = input.credentials.map((c) => ({
  credential_format: c.format, type: c.type, claims: c.claims, cryptographic_holder_binding: true,
}));
const r = DcqlQuery.query(q, creds);
const queries = {};
for (const [qid, m] of Object.entries(r.credential_matches)) {
  const ids = []; const claimSets = {};
  for (const v of (m.valid_credentials ?? [])) {
    const id = input.credentials[v.input_credential_index].id;
    ids.push(id);
    const sets = v.claims?.valid_claim_sets ?? [];
    claimSets[id] = sets.length ? (sets[0].valid_claim_indexes ?? null) : null;
  }
  queries[qid] = { ids, claim_sets: claimSets };
}
process.stdout.write(JSON.stringify({
  can_be_satisfied: r.can_be_satisfied,
  queries,
  credential_sets: r.credential_sets ?? null,
}));
