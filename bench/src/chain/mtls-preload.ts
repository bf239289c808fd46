/**
 * Loaded into each service of the bench's mTLS chain (`node --require`): the service exactly as it
 * runs, plus the profiler the chain's profile step asks for by signal. Its twin for the plaintext
 * contender is plaintext-preload.ts, so that both chains start the same way.
 */
import { profileOnSignal } from './profiler';

profileOnSignal(process.env.PORTCULLIS_BENCH_PROFILE_DIR);
