import type { Language } from '../intent/types.js';

/**
 * What a blocked user reads. Each message names the stage and the category and says what to change;
 * none repeats the matched term or how close a score came, which would only teach evasion.
 */
const PROMPT_REASONS: Record<string, { en: string; zh: string }> = {
  sexual_minors: {
    en: 'the prompt combines minors with sexual or suggestive content, which is never generated',
    zh: '提示词将未成年人与色情或性暗示内容结合，此类内容一律不予生成',
  },
  sexual: { en: 'the prompt asks for sexual or explicit content', zh: '提示词涉及色情或露骨内容' },
  violence: { en: 'the prompt asks for graphic violence or gore', zh: '提示词涉及血腥暴力内容' },
  self_harm: {
    en: 'the prompt refers to suicide or self-harm. If you are struggling, please reach out to someone you trust or a local helpline',
    zh: '提示词涉及自杀或自残。如果你正经历困难，请联系信任的人或当地心理援助热线',
  },
  public_figures: {
    en: 'the prompt names a living public figure; describe a fictional person instead',
    zh: '提示词包含在世公众人物；请改为描述虚构人物',
  },
  copyright: {
    en: 'the prompt names a copyrighted character or brand; describe an original design instead',
    zh: '提示词包含受版权保护的角色或品牌；请改为描述原创形象',
  },
  minors: {
    en: 'the prompt involves minors, which this gateway does not allow for this request',
    zh: '提示词涉及未成年人，本网关不允许此类请求',
  },
  suggestive: { en: 'the prompt asks for suggestive content', zh: '提示词涉及性暗示内容' },
  hate: { en: 'the prompt contains hateful content', zh: '提示词包含仇恨内容' },
  harassment: { en: 'the prompt contains harassment', zh: '提示词包含骚扰内容' },
  illicit: { en: 'the prompt asks for illicit activity', zh: '提示词涉及违法活动' },
};

export function promptBlockMessage(category: string, language: Language): string {
  const reason = PROMPT_REASONS[category]?.[language];
  if (language === 'zh') return `提示词审核未通过（类别：${category}）：${reason ?? '提示词违反了本网关的内容政策'}。`;
  return `Prompt review (category: ${category}): ${reason ?? "the prompt matched this gateway's content policy"}.`;
}

/** `index` is 1-based, as users count their images. */
export function realPersonMessage(index: number, model: string, language: Language): string {
  if (language === 'zh') {
    return `参考图审核未通过（类别：real_person）：第 ${index} 张参考图包含真实人物，${model} 不接受真人参考图。请使用插画、卡通或不含人物的图片。`;
  }
  return `Reference image review (category: real_person): image ${index} shows a realistic person, and ${model} does not accept references of real people. Use a drawing, a cartoon or an image without people.`;
}

const OUTPUT_REASONS: Record<string, { en: string; zh: string }> = {
  porn: { en: 'sexually explicit', zh: '色情' },
  hentai: { en: 'sexually explicit (drawn)', zh: '色情（绘画）' },
  sexy: { en: 'sexually suggestive', zh: '性暗示' },
  drawing: { en: 'a drawing, which this gateway does not deliver', zh: '绘画内容（本网关不交付此类结果）' },
  neutral: {
    en: 'ordinary content, which this gateway is configured to withhold',
    zh: '普通内容（本网关被配置为拦截此类结果）',
  },
};

export function outputBlockMessage(category: string, kind: 'image' | 'video', language: Language): string {
  const reason = OUTPUT_REASONS[category]?.[language] ?? category;
  if (language === 'zh') {
    return `生成结果审核未通过（类别：${category}）：生成的${kind === 'video' ? '视频' : '图片'}被判定为${reason}，已删除且不计费。请修改提示词后重试。`;
  }
  return `Output review (category: ${category}): the generated ${kind} was rated ${reason}; it was deleted and will not be billed. Change the prompt and try again.`;
}
