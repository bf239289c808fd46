import { Module } from '@nestjs/common';
import { __Name__Controller } from './__name__.controller';

@Module({ controllers: [__Name__Controller] })
export class __Name__Module {}
