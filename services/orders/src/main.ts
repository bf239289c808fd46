import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust/nest';
import { OrdersModule } from './orders.module';

void bootstrapService(OrdersModule, { service: 'orders' });
