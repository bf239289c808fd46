import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust';
import { InventoryModule } from './inventory.module';

void bootstrapService(InventoryModule, { service: 'inventory' });
