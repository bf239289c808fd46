import { randomUUID } from 'node:crypto';
import type { Manifest } from '@portcullis/manifest';
import { DEMO_CLIENT, externalClient, MONITOR_CLIENT, type ExternalClient } from '@portcullis/mesh';
import { MeshCallError, type Fault } from '@portcullis/trust';
import { eventually } from '../../test-support/eventually';
import { discrepancies, NOTHING_WRONG, readLedger, SEED_STOCK, type Discrepancies, type LedgerReader } from '../../test-support/order-ledger';
import { orderFlowRoles, repoManifest } from '../../test-support/temp-mesh';

interface Answer {
  readonly status: number | 'no answer';
  readonly body: { id?: string; status?: string; statusCode?: number } | null;
}

/** A mesh started for the fault suite: what the suite needs from it, whoever started it. */
export interface FaultMesh {
  /** The manifest as this machine reaches the services, and the environment of it to use. */
  readonly manifest: Manifest;
  readonly environment: string;
  /** Where the outside clients' identities are. */
  readonly certsDir: string;
  /** Reads one service's database, as an auditor beside the running services. */
  readonly ledger: LedgerReader;
  /** The process id, as this machine sees it, of the service's running process: a new one after a restart, none while it is down. */
  pid(service: string): number | undefined;
  stop(): Promise<void>;
}

/** How a fault mesh is started: local processes under the runner, or containers under compose. */
export interface FaultMeshDriver {
  readonly name: string;
  /** Starts the mesh with `env` added to every service's environment, handing each line a service writes to `onOutput`. */
  start(env: Readonly<Record<string, string>>, onOutput: (service: string, line: string) => void): Promise<FaultMesh>;
}

/** What only the fault suite's own mesh runs with: fault injection on, and reservations that expire within a test. */
export const FAULT_ENV: Readonly<Record<string, string>> = { PORTCULLIS_FAULTS: '1', PORTCULLIS_RESERVATION_TTL_MS: '20000' };

/**
 * The order saga under the faults the mesh is built for, on a mesh of its own whose services run
 * with fault injection on: answers that arrive after the caller gave up, stalled processes
 * (SIGSTOP), a killed one (SIGKILL, brought back by whatever supervises it), retries and a crowd.
 * After each, the three databases are read as an auditor would and everything lost or done twice
 * is counted. The same suite runs on local processes and in containers: only the driver differs.
 */
export function orderFaultSuite(driver: FaultMeshDriver): void {
  // Which service plays which part comes from who serves the order flow's routes in mesh.yaml.
  const roles = orderFlowRoles(repoManifest());

  describe(`orders under faults (${driver.name})`, () => {
    let mesh: FaultMesh;
    const ledgerNow = () => readLedger(mesh.ledger);
    let demo: ExternalClient;
    let monitor: ExternalClient;
    const lines: string[] = [];
    const tally: Record<string, Discrepancies & { orders: number; confirmed: number; failed: number; charges: number }> = {};

    beforeAll(async () => {
      mesh = await driver.start(FAULT_ENV, (service, line) => {
        lines.push(`${service}: ${line}`);
        if (/exited|restart|fault|reconciler|pending|expired|voided/.test(line)) console.log(`${service}: ${line.slice(0, 300)}`);
      });
      // The client waits longer than the mesh's own budget, so that its answers show what the mesh decided.
      demo = externalClient(mesh.manifest, mesh.certsDir, mesh.environment, DEMO_CLIENT, { connectTimeoutMs: 2_000, responseTimeoutMs: 12_000 });
      monitor = externalClient(mesh.manifest, mesh.certsDir, mesh.environment, MONITOR_CLIENT);
    }, 240_000);

    afterAll(async () => {
      await demo?.close();
      await monitor?.close();
      await mesh?.stop();
      console.log(`order faults (${driver.name}), counted after each scenario:\n${JSON.stringify(tally, null, 1)}`);
    }, 60_000);

    const order = async (key: string, body: object = { sku: 'WIDGET-1', quantity: 1 }): Promise<Answer> => {
      try {
        const response = await demo.client.call<Answer['body']>(roles.entry, 'POST', '/orders', body, { headers: { 'idempotency-key': key } });
        return { status: response.status, body: response.body };
      } catch (error) {
        if (error instanceof MeshCallError) return { status: 'no answer', body: null };
        throw error;
      }
    };
    const readOrder = async (id: string) => (await demo.client.call<{ status: string }>(roles.entry, 'GET', `/orders/${id}`)).body;
    const setFaults = async (service: string, faults: Fault[]) => {
      const response = await monitor.client.call(service, 'PUT', '/faults', { faults });
      expect(response.status).toBe(200);
    };
    const signal = (service: string, name: NodeJS.Signals) => {
      const pid = mesh.pid(service);
      if (pid === undefined) throw new Error(`${service} has no running process to send ${name} to`);
      process.kill(pid, name);
    };

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

    it(`settles an order whose charge answer came after ${roles.orders} gave up: confirmed, charged once, and the same on a retry`, async () => {
      await setFaults(roles.payments, [{ route: 'POST /charges', when: 'after', delayMs: 8_000 }]);
      const key = randomUUID();
      const first = await order(key).finally(() => setFaults(roles.payments, []));
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
          (line) => line.startsWith(`${roles.orders}:`) && line.includes(`order ${first.body!.id} pending`) && line.includes("what the caller's deadline left"),
        ),
      ).toBe(true);
      console.log(`late ${roles.payments} answer: order confirmed ${Date.now() - answeredAgain} ms after ${roles.payments} answered again`);
      const retried = await order(key);
      expect([retried.status, retried.body?.id, retried.body?.status]).toEqual([201, first.body!.id, 'confirmed']);
      expect(await settleAndCount(`late ${roles.payments} answer`)).toEqual(NOTHING_WRONG);
    });

    it(`gives the stock back when the reservation answer came after ${roles.orders} gave up, and charges nothing`, async () => {
      await setFaults(roles.inventory, [{ route: 'POST /reservations', when: 'after', delayMs: 8_000 }]);
      const first = await order(randomUUID()).finally(() => setFaults(roles.inventory, []));
      expect(first.status).toBe(202);
      await eventually('the order fails cleanly', async () => (await readOrder(first.body!.id!)).status === 'failed', { withinMs: 15_000, everyMs: 200 });
      expect((await ledgerNow()).charges.get(first.body!.id!)?.status ?? 'none').not.toBe('captured');
      expect(await settleAndCount(`late ${roles.inventory} answer`)).toEqual(NOTHING_WRONG);
    });

    for (const stalled of [roles.payments, roles.inventory]) {
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

    it(`loses no confirmed order when ${roles.orders} is killed (SIGKILL) under load, and retries with the same keys settle the rest`, async () => {
      const keys = Array.from({ length: 60 }, () => randomUUID());
      let confirmed = 0;
      const placing = Promise.all(
        keys.map(async (key, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 25));
          const answer = await order(key);
          if (answer.status === 201) confirmed++;
          return answer;
        }),
      );
      // Killed while orders are still being placed, once some are confirmed: those are what a SIGKILL must not lose.
      await eventually('a quarter of the orders confirmed', () => confirmed >= keys.length / 4, { withinMs: 10_000, everyMs: 20 });
      const killed = mesh.pid(roles.orders)!;
      signal(roles.orders, 'SIGKILL');
      const answers = await placing;
      const confirmedBefore = answers.filter((a) => a.status === 201).map((a) => a.body!.id!);
      console.log(
        `SIGKILL of ${roles.orders} under load: ${confirmedBefore.length} of ${keys.length} confirmed before, ${answers.filter((a) => a.status !== 201).length} without a final answer`,
      );
      // The local runner starts it again with backoff; compose's restart policy does in containers.
      await eventually(`${roles.orders} is started again`, () => (mesh.pid(roles.orders) ?? killed) !== killed, { withinMs: 15_000 });
      await eventually(`${roles.orders} answers again`, async () => (await order(keys[0]!)).status !== 'no answer' && (await order(keys[0]!)).status !== 502, {
        withinMs: 30_000,
        everyMs: 500,
      });
      const lost = [];
      for (const id of confirmedBefore) if ((await readOrder(id)).status !== 'confirmed') lost.push(id);
      console.log(`confirmed orders lost across the SIGKILL: ${lost.length}`);
      expect(lost).toEqual([]);
      // Every client retries with its key, and again while the gateway answers 502 or not at all, as a
      // client does: each gets its one order, none a second.
      let resent = 0;
      const retried = await Promise.all(
        keys.map(async (key) => {
          for (let attempt = 1; ; attempt++) {
            const answer = await order(key);
            if ((answer.status !== 502 && answer.status !== 'no answer') || attempt === 5) return answer;
            resent++;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }),
      );
      console.log(`retries with the same keys after the SIGKILL: ${resent} got 502 or no answer and were sent again`);
      for (const [i, answer] of retried.entries()) if (answers[i]!.status === 201) expect(answer.body?.id).toBe(answers[i]!.body!.id);
      const ledger = await ledgerNow();
      expect(ledger.orders.size).toBe(new Set([...ledger.orders.keys()]).size);
      expect(await settleAndCount(`${roles.orders} SIGKILL`)).toEqual(NOTHING_WRONG);
    });

    it('sells exactly the stock there is to 300 concurrent orders for one SKU', async () => {
      const before = (await ledgerNow()).stock.get('GADGET-2')!.available;
      const from = lines.length;
      const answers = await Promise.all(Array.from({ length: 300 }, () => order(randomUUID(), { sku: 'GADGET-2', quantity: 1 })));
      const by = (status: Answer['status']) => answers.filter((a) => a.status === status).length;
      const others = answers.filter((a) => ![201, 409, 202].includes(a.status as number)).map((a) => a.status);
      console.log(
        `300 concurrent orders for ${before} GADGET-2: ${by(201)} confirmed, ${by(409)} out of stock, ${by(202)} pending, ${others.length} other (${JSON.stringify(others)}); calls that failed inside the mesh meanwhile: ${JSON.stringify(failedCalls(lines.slice(from)))}`,
      );
      expect(by(201)).toBeLessThanOrEqual(before);
      expect(await settleAndCount('300 concurrent, one SKU')).toEqual(NOTHING_WRONG);
      const sold = (await ledgerNow()).stock.get('GADGET-2')!;
      expect(sold.sold + sold.available).toBe(SEED_STOCK['GADGET-2']);
    });
  });
}

/** The mesh calls that services logged as failed (`mesh.call.failed`), counted by caller, target and reason. */
function failedCalls(lines: readonly string[]): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const line of lines) {
    if (!line.includes('"mesh.call.failed"')) continue;
    const service = line.slice(0, line.indexOf(': '));
    let record: { target?: string; kind?: string; reason?: string };
    try {
      record = JSON.parse(line.slice(service.length + 2)) as typeof record;
    } catch {
      continue;
    }
    // Timings vary from call to call: counted as one reason.
    const key = `${service} -> ${record.target}: ${record.kind} (${record.reason?.replace(/\d+ ms/g, 'N ms')})`;
    counted[key] = (counted[key] ?? 0) + 1;
  }
  return counted;
}
