import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust';
import { PaymentsModule } from './payments.module';

void bootstrapService(PaymentsModule, { service: 'payments' });
