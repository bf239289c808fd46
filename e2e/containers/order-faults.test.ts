import { orderFaultSuite } from '../support/order-fault-suite';
import { composeFaultMesh } from './support/fault-mesh';

// The order fault suite of the local mesh, on a compose project of its own: its services run with
// fault injection on, are stalled and killed, which the suites sharing the driver's mesh must not see.
orderFaultSuite(composeFaultMesh('portcullis-faults'));
