import { Module } from '@nestjs/common';
import { ChargesRepository } from './charges.repository';
import { PaymentsController } from './payments.controller';

@Module({ controllers: [PaymentsController], providers: [ChargesRepository] })
export class PaymentsModule {}
