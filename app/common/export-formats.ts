// The segment file formats app/export writes and reads, named once for the CLI, the host, the
// contract and the UI's format picker. No imports.

/** What `fastast export`, segments.export and the export dialog offer, in the order shown. */
export const SEGMENT_EXPORT_FORMATS = ['audacity', 'raven', 'csv', 'textgrid', 'sv', 'labelstudio', 'json', 'clips'] as const;
export type SegmentExportFormat = (typeof SEGMENT_EXPORT_FORMATS)[number];

/** Formats that can hold several recordings in one file (the others are one file per recording). */
export const COMBINABLE_EXPORT_FORMATS: readonly SegmentExportFormat[] = ['raven', 'csv', 'labelstudio', 'json'];

/** What app/export reads back (told apart by content when not given). */
export const SEGMENT_IMPORT_FORMATS = ['audacity', 'raven', 'json'] as const;
export type SegmentImportFormat = (typeof SEGMENT_IMPORT_FORMATS)[number];

/**
 * Which review states an export writes: by default everything the user has not rejected (a
 * rejection means "not this"; an unreviewed detection is still the model's finding), or only
 * what they accepted, or everything (e.g. to keep the rejections for training).
 */
export const SEGMENT_EXPORT_INCLUDES = ['not-rejected', 'accepted', 'all'] as const;
export type SegmentExportInclude = (typeof SEGMENT_EXPORT_INCLUDES)[number];
export const DEFAULT_EXPORT_INCLUDE: SegmentExportInclude = 'not-rejected';

/** The review states each choice keeps. */
export const INCLUDED_REVIEWS: Record<SegmentExportInclude, readonly ('accepted' | 'rejected' | 'unreviewed')[]> = {
  'not-rejected': ['accepted', 'unreviewed'],
  accepted: ['accepted'],
  all: ['accepted', 'rejected', 'unreviewed'],
};
