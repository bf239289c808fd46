import { Module } from '@nestjs/common';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { Reconciler } from './reconciler';
import { SagaSteps } from './saga-steps';

@Module({ controllers: [OrdersController], providers: [OrdersRepository, SagaSteps, OrdersService, Reconciler] })
export class OrdersModule {}
