/**
 * Update classifications as Microsoft Update publishes them (MS-WSUSSS update classifications,
 * observed category lists). These GUIDs are protocol facts; titles are the English category titles.
 */
export const CLASSIFICATIONS: readonly { readonly id: string; readonly title: string; readonly legacy?: true }[] = [
  { id: '5c9376ab-8ce6-464a-b136-22113dd69801', title: 'Applications' },
  { id: 'e6cf1350-c01b-414d-a61f-263d14d133b4', title: 'Critical Updates' },
  { id: 'e0789628-ce08-4437-be74-2495b842f43b', title: 'Definition Updates' },
  { id: '77835c8d-62a7-41f5-82ad-f28d1af1e3b1', title: 'Driver Sets' },
  { id: 'ebfc1fc5-71a4-4f7b-9aca-3b9a503104a0', title: 'Drivers' },
  { id: 'b54e7d24-7add-428f-8b75-90a396fa584f', title: 'Feature Packs' },
  { id: '0fa1201d-4330-4fa8-8ae9-b877473b6441', title: 'Security Updates' },
  { id: '68c5b0a3-d1a6-4553-ae49-01d3a7827828', title: 'Service Packs' },
  { id: 'b4832bd8-e735-4761-8daf-37f882276dab', title: 'Tools' },
  { id: '28bc880e-0592-4cbf-8f95-c79b17911d5f', title: 'Update Rollups' },
  { id: 'cd5ffd1e-e932-4e3a-bf74-18bf0b1bbd83', title: 'Updates' },
  { id: '3689bdc8-b205-4af4-8d4a-a63924c5e9d5', title: 'Upgrades' },
  { id: '434de588-ed14-48f5-8eed-a15e09a991f6', title: 'Connectors', legacy: true },
  { id: 'e140075d-8433-45c3-ad87-e72345b36078', title: 'Developer Kits', legacy: true },
  { id: '9511d615-35b2-47bb-927f-f73d8e9260bb', title: 'Guidance', legacy: true },
];

/** The Upgrades classification: feature updates, which have their own supersedence rule. */
export const UPGRADES_CLASSIFICATION = '3689bdc8-b205-4af4-8d4a-a63924c5e9d5';

/**
 * Products whose Microsoft Update GUIDs are known facts (captures and MS-WSUSSS material), so a
 * subscription can name them by title before the first sync has brought the category list.
 */
export const WELL_KNOWN_PRODUCTS: readonly { readonly id: string; readonly title: string }[] = [
  { id: '72e7624a-5b00-45d2-b92f-e561c0a6a160', title: 'Windows 11' },
  { id: 'a3c2375d-0c8a-42f9-bce0-28333e198407', title: 'Windows 10' },
  { id: 'b3c75dc1-155f-4be4-b015-3f1a91758e52', title: 'Windows 10, version 1903 and later' },
  { id: 'b256987d-4693-4c87-955d-dbb9341205eb', title: 'Microsoft Server Operating System-24H2' },
  { id: '71718f13-7324-4b0f-8f9e-2ca9dc978e53', title: 'Microsoft Server operating system-21H2' },
  { id: '558f4bc3-4827-49e1-accf-ea79fd72d4c9', title: 'Windows XP' },
  { id: '8c3fcc84-7410-4a95-8b89-a166a0190486', title: 'Microsoft Defender Antivirus' },
  { id: '682005f1-54fd-440f-b3b3-b9c652351d01', title: 'Visual Studio 2017' },
];
