import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust';
import { GatewayModule } from './gateway.module';

void bootstrapService(GatewayModule, { service: 'gateway' });
