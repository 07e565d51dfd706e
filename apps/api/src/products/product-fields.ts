import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf, registerDecorator } from 'class-validator';
import { MAX_STOCK, isStock } from '@zan/domain';

/** `stock`: absent, or a JSON integer of 0..MAX_STOCK, or null for unlimited; never a string. */
export const IsStock = () =>
  applyDecorators(
    ValidateIf((_body: object, value: unknown) => value !== undefined),
    ApiPropertyOptional({
      type: 'integer',
      nullable: true,
      minimum: 0,
      maximum: MAX_STOCK,
      example: 100,
      description: 'Units for sale; null: unlimited',
    }),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isStock',
        target: target.constructor,
        propertyName: String(propertyName),
        options: { message: `${String(propertyName)} must be null (unlimited) or an integer of 0..${MAX_STOCK}` },
        validator: { validate: isStock },
      }),
  );
