import { join } from 'node:path';
import { sqliteLedger } from '../../test-support/order-ledger';
import { orderFaultSuite } from '../support/order-fault-suite';
import { localFaultMesh } from './support/fault-mesh';

// The default: each service's SQLite file in the mesh's data folder, read by the auditor beside the running services.
orderFaultSuite(
  localFaultMesh('127.0.14', {
    name: 'SQLite',
    setUp: async (work) => ({ env: {}, ledger: sqliteLedger(join(work, 'data')) }),
    tearDown: () => undefined,
  }),
);
