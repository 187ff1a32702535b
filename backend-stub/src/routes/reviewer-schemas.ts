/** Request bodies of reviewer accounts, shared by the API-key routes and the console's admin routes. */
import { EMAIL_PATTERN } from '../console/reviewers.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../console/passwords.js';
import { REVIEWER_ROLES } from '../console/tables.js';

const password = { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX } as const;
const displayName = { type: ['string', 'null'], maxLength: 200, pattern: '^[^\\u0000-\\u001f]*$' } as const;

export const reviewerCreateBody = {
  type: 'object',
  required: ['email', 'role'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', maxLength: 320, pattern: EMAIL_PATTERN },
    role: { type: 'string', enum: REVIEWER_ROLES },
    password: { ...password, description: 'Omitted: a random one is generated and returned once.' },
    displayName,
  },
} as const;

export const reviewerPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { role: { type: 'string', enum: REVIEWER_ROLES }, disabled: { type: 'boolean' }, password, displayName },
} as const;

export const reviewerSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    displayName: { type: ['string', 'null'] },
    role: { type: 'string', enum: REVIEWER_ROLES },
    disabled: { type: 'boolean' },
    lastSignInAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const reviewerIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
