import type { z } from 'zod';
import { webhookDefaultBody, webhookDefaultObject, webhookEventSchema } from '../../webhooks/schemas.js';
import { chatCompletionBody } from '../chat/schema.js';
import { responseObjectSchema } from '../responses/openapi-schemas.js';
import { responseCreateBody } from '../responses/schema.js';
import { imageEditForm, imageEditJson, imageGenerationBody, imagesResponse } from '../images/schemas.js';
import { videoCreateBody, videoDeleted, videoList, videoRemixBody } from '../videos/schemas.js';
import { adminUsage } from '../../api-objects/usage-objects.js';
import { videoObject } from '../../api-objects/video-object.js';
import { adminChannelList, channelTestResult } from '../admin/channels-routes.js';
import { adminJob, adminJobDetail, adminJobList } from '../admin/jobs-routes.js';
import { customerUsage } from '../usage/customer-usage-route.js';
import {
  chatCompletion,
  errorResponse,
  healthResponse,
  jobList,
  jobObject,
  modelList,
  modelObject,
} from './response-schemas.js';

/**
 * The names under which shared schemas appear in `components.schemas`. Only names: which
 * operations exist and which schema each takes comes from the routes; a schema without a name
 * is written out where it is used.
 */
const NAMES = new Map<z.ZodType, string>([
  [chatCompletionBody, 'ChatCompletionRequest'],
  [responseCreateBody, 'ResponseCreateRequest'],
  [imageGenerationBody, 'ImageGenerationRequest'],
  [imageEditForm, 'ImageEditForm'],
  [imageEditJson, 'ImageEditJsonRequest'],
  [videoCreateBody, 'VideoCreateRequest'],
  [videoRemixBody, 'VideoRemixRequest'],
  [webhookDefaultBody, 'WebhookDefaultRequest'],
  [errorResponse, 'Error'],
  [chatCompletion, 'ChatCompletion'],
  [responseObjectSchema, 'Response'],
  [imagesResponse, 'ImagesResponse'],
  [videoObject, 'Video'],
  [videoList, 'VideoList'],
  [videoDeleted, 'DeletedVideo'],
  [jobObject, 'Job'],
  [jobList, 'JobList'],
  [modelObject, 'Model'],
  [modelList, 'ModelList'],
  [webhookDefaultObject, 'WebhookDefault'],
  [webhookEventSchema, 'WebhookEvent'],
  [healthResponse, 'Health'],
  [customerUsage, 'Usage'],
  [adminUsage, 'AdminUsage'],
  [adminJob, 'AdminJob'],
  [adminJobDetail, 'AdminJobDetail'],
  [adminJobList, 'AdminJobList'],
  [adminChannelList, 'ChannelList'],
  [channelTestResult, 'ChannelTestResult'],
]);

const BY_NAME = new Map([...NAMES].map(([schema, name]) => [name, schema]));

export const componentName = (schema: z.ZodType): string | undefined => NAMES.get(schema);
export const namedSchema = (name: string): z.ZodType | undefined => BY_NAME.get(name);
export const componentRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
