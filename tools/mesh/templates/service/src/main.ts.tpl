import 'reflect-metadata';
import { bootstrapService } from '@portcullis/trust/nest';
import { __Name__Module } from './__name__.module';

void bootstrapService(__Name__Module, { service: '__name__' });
