// Generated from data/imagenet_50.txt (a copy of shared/data/imagenet_50.txt): the 50 ImageNet classes
// of ImageNet-50, as 'wnid name' lines. Kept as a constant so the list ships inside the bundle.

/** One ImageNet-50 class: WordNet id and a readable name. */
export interface ImageNetClass {
  /** WordNet id, e.g. `"n01601694"`. */
  wnid: string;
  /** Readable name, e.g. `"Dipper"`. */
  name: string;
}

/**
 * The 50 classes of ImageNet-50 (SPEC "Datasets"), in the order of the shipped list; labels are
 * assigned by sorted wnid, not by this order.
 * @example IMAGENET50_CLASSES.length // → 50
 */
export const IMAGENET50_CLASSES: readonly ImageNetClass[] = Object.freeze([
  { wnid: 'n01601694', name: 'Dipper' },
  { wnid: 'n01669191', name: 'Box Turtle' },
  { wnid: 'n01755581', name: 'Diamondback Snake' },
  { wnid: 'n01770393', name: 'Scorpion' },
  { wnid: 'n01855672', name: 'Goose' },
  { wnid: 'n02018207', name: 'Water Hen' },
  { wnid: 'n02058221', name: 'Albatross' },
  { wnid: 'n02096177', name: 'Cairn Terrier' },
  { wnid: 'n02097130', name: 'Giant Schnauzer' },
  { wnid: 'n02099267', name: 'Flat-Coated Retriever' },
  { wnid: 'n02100877', name: 'Irish Setter' },
  { wnid: 'n02104365', name: 'Schipperke' },
  { wnid: 'n02106030', name: 'Collie' },
  { wnid: 'n02114855', name: 'Coyote' },
  { wnid: 'n02125311', name: 'Mountain Lion' },
  { wnid: 'n02133161', name: 'Black Bear' },
  { wnid: 'n02484975', name: 'Guenon' },
  { wnid: 'n02489166', name: 'Proboscis Monkey' },
  { wnid: 'n02747177', name: 'Trash Bin' },
  { wnid: 'n02906734', name: 'Broom' },
  { wnid: 'n03124170', name: 'Cowboy Hat' },
  { wnid: 'n03272010', name: 'Electric Guitar' },
  { wnid: 'n03337140', name: 'File Cabinet' },
  { wnid: 'n03483316', name: 'Hair Dryer' },
  { wnid: 'n03498962', name: 'Hatchet' },
  { wnid: 'n03710721', name: 'Maillot' },
  { wnid: 'n03717622', name: 'Manhole Cover' },
  { wnid: 'n03733281', name: 'Maze' },
  { wnid: 'n03759954', name: 'Microphone' },
  { wnid: 'n03775071', name: 'Mitten' },
  { wnid: 'n03814639', name: 'Neck Brace' },
  { wnid: 'n03837869', name: 'Obelisk' },
  { wnid: 'n03838899', name: 'Oboe' },
  { wnid: 'n03854065', name: 'Organ' },
  { wnid: 'n03954731', name: 'Woodworking Plane' },
  { wnid: 'n03983396', name: 'Soda Bottle' },
  { wnid: 'n04026417', name: 'Purse' },
  { wnid: 'n04200800', name: 'Shoe Shop' },
  { wnid: 'n04209239', name: 'Shower Curtain' },
  { wnid: 'n04311004', name: 'Steel Arch Bridge' },
  { wnid: 'n04380533', name: 'Table Lamp' },
  { wnid: 'n04428191', name: 'Threshing Machine' },
  { wnid: 'n04443257', name: 'Tobacco Shop' },
  { wnid: 'n04509417', name: 'Unicycle' },
  { wnid: 'n04525305', name: 'Vending Machine' },
  { wnid: 'n04554684', name: 'Washing Machine' },
  { wnid: 'n04606251', name: 'Wreck' },
  { wnid: 'n07583066', name: 'Guacamole' },
  { wnid: 'n07711569', name: 'Mashed Potato' },
  { wnid: 'n07753592', name: 'Banana' },
]);
