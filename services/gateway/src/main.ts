import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust/nest';
import { GatewayModule } from './gateway.module';

void bootstrapService(GatewayModule, { service: 'gateway' });
