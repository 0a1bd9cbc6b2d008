// The segment file formats app/export writes and reads, named once for the CLI, the host, the
// contract and the UI's format picker. No imports.

/** What `fastast export`, segments.export and the export dialog offer, in the order shown. */
export const SEGMENT_EXPORT_FORMATS = ['audacity', 'raven', 'csv', 'textgrid', 'sv', 'labelstudio', 'json', 'clips'] as const;
export type SegmentExportFormat = (typeof SEGMENT_EXPORT_FORMATS)[number];

/** What app/export reads back (told apart by content when not given). */
export const SEGMENT_IMPORT_FORMATS = ['audacity', 'raven', 'json'] as const;
export type SegmentImportFormat = (typeof SEGMENT_IMPORT_FORMATS)[number];
