import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Logger, NotFoundException, Param, Post } from '@nestjs/common';
import { ChargeReference, CreateCharge, ZodPipe, type Charge } from '@portcullis/contracts';
import { ChargesRepository } from './charges.repository';

/** Above this a charge is declined, so the order flow has a failure to compensate for. */
export const CHARGE_LIMIT_CENTS = 500_000;

@Controller('charges')
export class PaymentsController {
  private readonly logger = new Logger(PaymentsController.name);

  constructor(private readonly charges: ChargesRepository) {}

  /** Idempotent by `reference`: the same reference and amount returns the first charge, never a second one. */
  @Post()
  async charge(@Body(new ZodPipe(CreateCharge)) body: CreateCharge): Promise<Charge> {
    if (body.amountCents > CHARGE_LIMIT_CENTS) {
      throw new HttpException(
        { statusCode: 402, error: 'Payment Required', message: `charges above ${CHARGE_LIMIT_CENTS} cents are declined` },
        HttpStatus.PAYMENT_REQUIRED,
      );
    }
    const result = await this.charges.capture(body.reference, body.amountCents);
    if (result.kind === 'voided') {
      this.logger.warn(`charge ${body.reference} refused: it was voided before this request was served`);
      throw new HttpException({ statusCode: 409, error: 'Conflict', message: `charge ${body.reference} was voided` }, HttpStatus.CONFLICT);
    }
    if (result.kind === 'mismatch') {
      throw new HttpException(
        {
          statusCode: 422,
          error: 'Unprocessable Entity',
          message: `reference ${body.reference} was charged ${result.charge.amountCents} cents, not ${body.amountCents}`,
        },
        HttpStatus.UNPROCESSABLE_ENTITY,
      );
    }
    if (result.kind === 'replayed') this.logger.log(`charge ${body.reference} asked again; answered with ${result.charge.id}`);
    return result.charge;
  }

  /** What became of a charge whose answer the caller never got: the saga's in-doubt question. */
  @Get(':reference')
  async find(@Param('reference', new ZodPipe(ChargeReference)) reference: string): Promise<Charge> {
    const charge = await this.charges.find(reference);
    if (!charge) throw new NotFoundException(`no charge ${reference}`);
    return charge;
  }

  @Post(':reference/void')
  @HttpCode(200)
  async void(@Param('reference', new ZodPipe(ChargeReference)) reference: string): Promise<Charge> {
    const charge = await this.charges.void(reference);
    this.logger.warn(`charge ${reference} voided (${charge.amountCents} cents refunded)`);
    return charge;
  }
}
