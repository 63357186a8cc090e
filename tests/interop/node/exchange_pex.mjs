// @sphereon/pex 4.1.0: selectFrom per input descriptor.
// stdin: {"definition": PD, "credentials": [VC, ...]} (the caller applies the validity-date rule)
// stdout: {"descriptors": {descriptor_id: {"ids": [credential ids], "status": "info|warn|error", "errors": [tags]}}}
import { PEX } from '@sphereon/pex';

const input = JSON.parse(await new Promise((resolve) => {
  let s = ''; process.stdin.on('data', (d) => { s += d; }); process.stdin.on('end', () => resolve(s));
}));
const pex = new PEX();
const pd = input.definition;
const out = {};
for (const desc of pd.input_descriptors) {
  // one descriptor at a time, without submission_requirements (PEERS.md: whole-definition
  // selectFrom with submission_requirements returns everything with status warn)
  const { group, ...single } = desc;
  const one = { id: `${pd.id}--${desc.id}`, input_descriptors: [single] };
  if (pd.format) one.format = pd.format;
  let res;
  try {
    res = pex.selectFrom(one, input.credentials);
  } catch (e) {
    out[desc.id] = { ids: [], status: 'exception', errors: [String(e && e.message || e)] };
    continue;
  }
  const picked = (res.verifiableCredential ?? []).map((vc) => (typeof vc === 'string' ? null : vc.id));
  out[desc.id] = {
    ids: res.areRequiredCredentialsPresent === 'error' ? [] : picked,
    status: res.areRequiredCredentialsPresent,
    errors: [...new Set((res.errors ?? []).map((e) => e.tag))],
  };
}
process.stdout.write(JSON.stringify({ descriptors: out }));
