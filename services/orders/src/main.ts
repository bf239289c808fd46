import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust';
import { OrdersModule } from './orders.module';

void bootstrapService(OrdersModule, { service: 'orders' });
