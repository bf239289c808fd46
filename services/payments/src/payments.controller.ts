import { Body, Controller, HttpException, HttpStatus, Post } from '@nestjs/common';
import { CreateCharge, newId, ZodPipe, type Charge } from '@portcullis/contracts';

/** Above this a charge is declined, so the order flow has a failure to compensate for. */
export const CHARGE_LIMIT_CENTS = 500_000;

@Controller('charges')
export class PaymentsController {
  @Post()
  charge(@Body(new ZodPipe(CreateCharge)) body: CreateCharge): Charge {
    if (body.amountCents > CHARGE_LIMIT_CENTS) {
      throw new HttpException(
        { statusCode: 402, error: 'Payment Required', message: `charges above ${CHARGE_LIMIT_CENTS} cents are declined` },
        HttpStatus.PAYMENT_REQUIRED,
      );
    }
    return { id: newId('chg'), reference: body.reference, amountCents: body.amountCents, status: 'captured' };
  }
}
