import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { issueMeshCertificates } from '@portcullis/pki';
import { join } from 'node:path';
import { DEMO_CLIENT, externalClient, MONITOR_CLIENT, startLocalMesh, type ExternalClient, type LocalMesh } from '@portcullis/mesh';
import { MeshCallError, type Fault } from '@portcullis/trust';
import { eventually } from '../../test-support/eventually';
import { discrepancies, NOTHING_WRONG, readLedger, type Discrepancies, type LedgerReader } from '../../test-support/order-ledger';
import { relocatedManifest, tempDir } from '../../test-support/temp-mesh';

interface Answer {
  readonly status: number | 'no answer';
  readonly body: { id?: string; status?: string; statusCode?: number } | null;
}

/** Where the suite's services keep their state, and how the auditor reads it. */
export interface SuiteDatabase {
  readonly name: string;
  /** Runs before the mesh starts, with its certificates issued: returns the services' extra environment and the ledger's reader. */
  setUp(work: string, certsDir: string): Promise<{ env: Record<string, string>; ledger: LedgerReader }>;
  tearDown(): void | Promise<void>;
}

/**
 * The order saga under the faults the mesh is built for, on a mesh of its own (`prefix`.x) whose
 * services run with fault injection on: answers that arrive after the caller gave up, stalled
 * processes (SIGSTOP), a killed one (SIGKILL), retries and a crowd. After each, the three
 * databases are read as an auditor would and everything lost or done twice is counted.
 */
export function orderFaultSuite(prefix: string, database: SuiteDatabase): void {
  describe(`orders under faults (${database.name})`, () => {
    const work = tempDir('order-faults');
    let ledgerReader: LedgerReader;
    const ledgerNow = () => readLedger(ledgerReader);
    let mesh: LocalMesh;
    let demo: ExternalClient;
    let monitor: ExternalClient;
    const lines: string[] = [];
    const tally: Record<string, Discrepancies & { orders: number; confirmed: number; failed: number; charges: number }> = {};

    beforeAll(async () => {
      const manifestFile = join(work.dir, 'mesh.yaml');
      const relocated = relocatedManifest(prefix);
      writeFileSync(manifestFile, relocated.text);
      const certsDir = join(work.dir, 'certs');
      await issueMeshCertificates(relocated.manifest(), certsDir);
      const { env, ledger } = await database.setUp(work.dir, certsDir);
      ledgerReader = ledger;
      mesh = await startLocalMesh({
        manifestFile,
        certsDir,
        dataDir: join(work.dir, 'data'),
        env: { PORTCULLIS_FAULTS: '1', PORTCULLIS_RESERVATION_TTL_MS: '20000', ...env },
        onOutput: (service, line) => {
          lines.push(`${service}: ${line}`);
          if (/exited|restart|fault|reconciler|pending|expired|voided/.test(line)) console.log(`${service}: ${line.slice(0, 300)}`);
        },
      });
      // The client waits longer than the mesh's own budget, so that its answers show what the mesh decided.
      demo = externalClient(mesh.manifest, mesh.certsDir, 'local', DEMO_CLIENT, { connectTimeoutMs: 2_000, responseTimeoutMs: 12_000 });
      monitor = externalClient(mesh.manifest, mesh.certsDir, 'local', MONITOR_CLIENT);
    }, 120_000);

    afterAll(async () => {
      await demo?.close();
      await monitor?.close();
      await mesh?.stop();
      await database.tearDown();
      console.log(`order faults (${database.name}), counted after each scenario:\n${JSON.stringify(tally, null, 1)}`);
      work.remove();
    });

    const order = async (key: string, body: object = { sku: 'WIDGET-1', quantity: 1 }): Promise<Answer> => {
      try {
        const response = await demo.client.call<Answer['body']>('gateway', 'POST', '/orders', body, { headers: { 'idempotency-key': key } });
        return { status: response.status, body: response.body };
      } catch (error) {
        if (error instanceof MeshCallError) return { status: 'no answer', body: null };
        throw error;
      }
    };
    const readOrder = async (id: string) => (await demo.client.call<{ status: string }>('gateway', 'GET', `/orders/${id}`)).body;
    const setFaults = async (service: string, faults: Fault[]) => {
      const response = await monitor.client.call(service, 'PUT', '/faults', { faults });
      expect(response.status).toBe(200);
    };
    const signal = (service: string, name: NodeJS.Signals) => process.kill(mesh.pids().get(service)!, name);

    /** Waits until no order is pending and no stock reserved, then counts what disagrees. */
    const settleAndCount = async (scenario: string, withinMs = 25_000): Promise<Discrepancies> => {
      await eventually(
        `${scenario}: every order settled`,
        async () => {
          const d = discrepancies(await ledgerNow());
          return d.pending === 0 && d.reservedUnits === 0;
        },
        { withinMs, everyMs: 250 },
      );
      const ledger = await ledgerNow();
      const counted = discrepancies(ledger);
      const orders = [...ledger.orders.values()];
      tally[scenario] = {
        ...counted,
        orders: orders.length,
        confirmed: orders.filter((o) => o.status === 'confirmed').length,
        failed: orders.filter((o) => o.status === 'failed').length,
        charges: [...ledger.charges.values()].filter((c) => c.status === 'captured').length,
      };
      return counted;
    };

    it('gives one order and one charge for one Idempotency-Key, and 422 for the key with another body', async () => {
      const key = randomUUID();
      const answers = [await order(key), await order(key), await order(key)];
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
      expect(new Set(answers.map((a) => a.body?.id)).size).toBe(1);
      expect((await order(key, { sku: 'WIDGET-1', quantity: 2 })).status).toBe(422);
      const ledger = await ledgerNow();
      expect(ledger.charges.get(answers[0]!.body!.id!)?.status).toBe('captured');
      expect(await settleAndCount('idempotency')).toEqual(NOTHING_WRONG);
    });

    it('settles an order whose charge answer came after orders gave up: confirmed, charged once, and the same on a retry', async () => {
      await setFaults('payments', [{ route: 'POST /charges', when: 'after', delayMs: 8_000 }]);
      const key = randomUUID();
      const first = await order(key).finally(() => setFaults('payments', []));
      // The work was done but its answer came too late: the order is in doubt, not failed.
      expect(first.status).toBe(202);
      expect(first.body?.status).toBe('pending');
      const answeredAgain = Date.now();
      await eventually('the late charge confirms the order', async () => (await readOrder(first.body!.id!)).status === 'confirmed', {
        withinMs: 10_000,
        everyMs: 200,
      });
      // Orders gave up on payments when the gateway's deadline, passed down less a margin, ran out: not later.
      expect(
        lines.some(
          (line) => line.startsWith('orders:') && line.includes(`order ${first.body!.id} pending`) && line.includes("what the caller's deadline left"),
        ),
      ).toBe(true);
      console.log(`late payments answer: order confirmed ${Date.now() - answeredAgain} ms after payments answered again`);
      const retried = await order(key);
      expect([retried.status, retried.body?.id, retried.body?.status]).toEqual([201, first.body!.id, 'confirmed']);
      expect(await settleAndCount('late payments answer')).toEqual(NOTHING_WRONG);
    });

    it('gives the stock back when the reservation answer came after orders gave up, and charges nothing', async () => {
      await setFaults('inventory', [{ route: 'POST /reservations', when: 'after', delayMs: 8_000 }]);
      const first = await order(randomUUID()).finally(() => setFaults('inventory', []));
      expect(first.status).toBe(202);
      await eventually('the order fails cleanly', async () => (await readOrder(first.body!.id!)).status === 'failed', { withinMs: 15_000, everyMs: 200 });
      expect((await ledgerNow()).charges.get(first.body!.id!)?.status ?? 'none').not.toBe('captured');
      expect(await settleAndCount('late inventory answer')).toEqual(NOTHING_WRONG);
    });

    for (const stalled of ['payments', 'inventory'] as const) {
      it(`settles every order placed while ${stalled} is stalled (SIGSTOP), within 10 s of it answering again`, async () => {
        signal(stalled, 'SIGSTOP');
        let answers: Answer[];
        try {
          answers = await Promise.all([order(randomUUID()), order(randomUUID()), order(randomUUID())]);
        } finally {
          signal(stalled, 'SIGCONT');
        }
        const resumed = Date.now();
        expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
        await eventually(`orders settle after ${stalled} resumes`, async () => discrepancies(await ledgerNow()).pending === 0, {
          withinMs: 10_000,
          everyMs: 200,
        });
        console.log(`${stalled} SIGSTOP: ${answers.length} orders settled ${Date.now() - resumed} ms after SIGCONT`);
        expect(await settleAndCount(`${stalled} SIGSTOP`)).toEqual(NOTHING_WRONG);
      });
    }

    it('loses no confirmed order when orders is killed (SIGKILL) under load, and retries with the same keys settle the rest', async () => {
      const keys = Array.from({ length: 60 }, () => randomUUID());
      const placing = Promise.all(
        keys.map(async (key, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 25));
          return order(key);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 800));
      const killed = mesh.pids().get('orders')!;
      signal('orders', 'SIGKILL');
      const answers = await placing;
      const confirmedBefore = answers.filter((a) => a.status === 201).map((a) => a.body!.id!);
      console.log(
        `SIGKILL of orders under load: ${confirmedBefore.length} of ${keys.length} confirmed before, ${answers.filter((a) => a.status !== 201).length} without a final answer`,
      );
      await eventually('the runner restarts orders', () => (mesh.pids().get('orders') ?? killed) !== killed, { withinMs: 15_000 });
      await eventually('orders answers again', async () => (await order(keys[0]!)).status !== 'no answer' && (await order(keys[0]!)).status !== 502, {
        withinMs: 30_000,
        everyMs: 500,
      });
      const lost = [];
      for (const id of confirmedBefore) if ((await readOrder(id)).status !== 'confirmed') lost.push(id);
      console.log(`confirmed orders lost across the SIGKILL: ${lost.length}`);
      expect(lost).toEqual([]);
      // Every client retries with its key: each gets its one order, none a second.
      const retried = await Promise.all(keys.map((key) => order(key)));
      for (const [i, answer] of retried.entries()) if (answers[i]!.status === 201) expect(answer.body?.id).toBe(answers[i]!.body!.id);
      const ledger = await ledgerNow();
      expect(ledger.orders.size).toBe(new Set([...ledger.orders.keys()]).size);
      expect(await settleAndCount('orders SIGKILL')).toEqual(NOTHING_WRONG);
    });

    it('sells exactly the stock there is to 300 concurrent orders for one SKU', async () => {
      const before = (await ledgerNow()).stock.get('GADGET-2')!.available;
      const answers = await Promise.all(Array.from({ length: 300 }, () => order(randomUUID(), { sku: 'GADGET-2', quantity: 1 })));
      const by = (status: Answer['status']) => answers.filter((a) => a.status === status).length;
      console.log(
        `300 concurrent orders for ${before} GADGET-2: ${by(201)} confirmed, ${by(409)} out of stock, ${by(202)} pending, ${answers.length - by(201) - by(409) - by(202)} other (${JSON.stringify(answers.filter((a) => ![201, 409, 202].includes(a.status as number)).map((a) => a.status))})`,
      );
      expect(by(201)).toBeLessThanOrEqual(before);
      expect(await settleAndCount('300 concurrent, one SKU')).toEqual(NOTHING_WRONG);
      const sold = (await ledgerNow()).stock.get('GADGET-2')!;
      expect(sold.sold + sold.available).toBe(25);
    });
  });
}
