import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust/nest';
import { PaymentsModule } from './payments.module';

void bootstrapService(PaymentsModule, { service: 'payments' });
