// Print the EthereumDIDRegistry ABI that ethr-did-resolver ships.
import { EthereumDIDRegistry } from 'ethr-did-resolver'
console.log(JSON.stringify(EthereumDIDRegistry.abi))
