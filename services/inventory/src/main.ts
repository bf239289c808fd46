import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust/nest';
import { InventoryModule } from './inventory.module';

void bootstrapService(InventoryModule, { service: 'inventory' });
