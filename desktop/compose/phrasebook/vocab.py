"""The words of the phrasebook: what is in everyday photos, and what people change about it.

Written for Reframe. Each list is ordered (the generator is seeded, so order is part of determinism).
Nouns carry their plural; "an" is chosen from the first letter of what follows.
"""

from __future__ import annotations

# Things: (singular, plural). Things people photograph at home, in town and outdoors.
OBJECTS: tuple[tuple[str, str], ...] = (
    ("car", "cars"),
    ("bicycle", "bicycles"),
    ("motorcycle", "motorcycles"),
    ("bus", "buses"),
    ("truck", "trucks"),
    ("boat", "boats"),
    ("train", "trains"),
    ("umbrella", "umbrellas"),
    ("chair", "chairs"),
    ("table", "tables"),
    ("lamp", "lamps"),
    ("vase", "vases"),
    ("cup", "cups"),
    ("bottle", "bottles"),
    ("book", "books"),
    ("backpack", "backpacks"),
    ("suitcase", "suitcases"),
    ("kite", "kites"),
    ("balloon", "balloons"),
    ("clock", "clocks"),
    ("bench", "benches"),
    ("guitar", "guitars"),
    ("laptop", "laptops"),
    ("sofa", "sofas"),
    ("tent", "tents"),
    ("teddy bear", "teddy bears"),
    ("pumpkin", "pumpkins"),
    ("apple", "apples"),
    ("cake", "cakes"),
    ("candle", "candles"),
    ("ball", "balls"),
    ("surfboard", "surfboards"),
    ("skateboard", "skateboards"),
    ("mug", "mugs"),
    ("flower pot", "flower pots"),
    ("mailbox", "mailboxes"),
    ("door", "doors"),
    ("bucket", "buckets"),
)

ANIMALS: tuple[tuple[str, str], ...] = (
    ("dog", "dogs"),
    ("cat", "cats"),
    ("horse", "horses"),
    ("cow", "cows"),
    ("sheep", "sheep"),
    ("bird", "birds"),
    ("duck", "ducks"),
    ("rabbit", "rabbits"),
    ("deer", "deer"),
    ("elephant", "elephants"),
    ("giraffe", "giraffes"),
    ("zebra", "zebras"),
    ("bear", "bears"),
    ("fox", "foxes"),
    ("goat", "goats"),
    ("pig", "pigs"),
    ("chicken", "chickens"),
    ("parrot", "parrots"),
    ("owl", "owls"),
    ("squirrel", "squirrels"),
    ("puppy", "puppies"),
    ("kitten", "kittens"),
    ("swan", "swans"),
    ("lion", "lions"),
)

# People: (singular, plural, pronoun group). "they" for a group or a person of unstated gender.
PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("man", "men", "he"),
    ("woman", "women", "she"),
    ("boy", "boys", "he"),
    ("girl", "girls", "she"),
    ("child", "children", "they"),
    ("old man", "old men", "he"),
    ("old woman", "old women", "she"),
    ("teenager", "teenagers", "they"),
    ("toddler", "toddlers", "they"),
    ("person", "people", "they"),
)

COLOURS: tuple[str, ...] = (
    "red",
    "blue",
    "green",
    "yellow",
    "orange",
    "purple",
    "pink",
    "white",
    "black",
    "brown",
    "gray",
    "silver",
    "turquoise",
    "beige",
)
#: Colours an animal's coat or feathers plausibly have.
COATS: tuple[str, ...] = ("black", "white", "brown", "gray", "golden", "spotted", "striped", "ginger")

#: Sizes of a thing or animal. None (unsaid) is the middle.
SIZES: tuple[str, ...] = ("tiny", "small", "large", "huge")
BIGGER = {"tiny": "small", None: "large", "small": None, "large": "huge"}
SMALLER = {"huge": "large", "large": None, None: "small", "small": "tiny"}

COUNT_WORDS: dict[int, str] = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
MAX_COUNT = {"object": 5, "animal": 5, "person": 3}

GARMENTS: tuple[str, ...] = (
    "jacket",
    "coat",
    "dress",
    "shirt",
    "t-shirt",
    "sweater",
    "hoodie",
    "suit",
    "raincoat",
    "skirt",
    "uniform",
    "swimsuit",
)
ACCESSORIES: tuple[str, ...] = ("hat", "sunglasses", "scarf", "backpack", "cap", "helmet", "glasses", "umbrella")
PERSON_ACTIONS: tuple[str, ...] = (
    "walking",
    "running",
    "sitting",
    "standing",
    "reading",
    "smiling",
    "dancing",
    "riding a bicycle",
    "eating",
    "talking on the phone",
)
ANIMAL_ACTIONS: tuple[str, ...] = ("sitting", "running", "sleeping", "lying down", "standing", "eating", "jumping")

# Places: the phrase used in a caption ("on a beach") and the bare name used in an edit ("a beach").
PLACES: tuple[tuple[str, str], ...] = (
    ("on a beach", "a beach"),
    ("in a park", "a park"),
    ("in a forest", "a forest"),
    ("on a city street", "a city street"),
    ("in a kitchen", "a kitchen"),
    ("in a living room", "a living room"),
    ("in the mountains", "the mountains"),
    ("in a field", "a field"),
    ("by a lake", "a lake"),
    ("in the desert", "the desert"),
    ("in a garden", "a garden"),
    ("in an office", "an office"),
    ("in a cafe", "a cafe"),
    ("at a harbour", "a harbour"),
    ("on a bridge", "a bridge"),
    ("in a classroom", "a classroom"),
    ("at a train station", "a train station"),
    ("in a parking lot", "a parking lot"),
    ("on a farm", "a farm"),
    ("in a market", "a market"),
    ("in front of a brick wall", "a brick wall"),
    ("on a wooden table", "a wooden table"),
    ("against a white wall", "a white wall"),
    ("in a snowy village", "a snowy village"),
    ("by a river", "a river"),
    ("in a stadium", "a stadium"),
)

# Weather: caption phrase and edit word.
WEATHER: tuple[tuple[str, str], ...] = (
    ("on a sunny day", "sunny"),
    ("in the rain", "rainy"),
    ("in the snow", "snowy"),
    ("in thick fog", "foggy"),
    ("under a cloudy sky", "cloudy"),
    ("during a storm", "stormy"),
    ("on a windy day", "windy"),
)
TIMES: tuple[tuple[str, str], ...] = (
    ("in the morning", "morning"),
    ("at noon", "noon"),
    ("in the afternoon", "afternoon"),
    ("at sunset", "sunset"),
    ("at sunrise", "sunrise"),
    ("at dusk", "dusk"),
    ("at night", "night"),
)
SEASONS: tuple[str, ...] = ("spring", "summer", "autumn", "winter")

# Viewpoint and framing: the adjective in a caption and the edit phrasings that lead there.
VIEWS: dict[str, tuple[str, ...]] = {
    "close-up": ("zoom in", "make it a close-up", "show a close-up", "get closer", "crop in tight"),
    "wide-angle": ("zoom out", "make it a wide shot", "show more of the surroundings", "pull back to a wide view"),
    "aerial": ("show it from the air", "make it an aerial view", "view it from a drone", "a bird's-eye view"),
    "low-angle": ("shoot it from below", "show it from a low angle", "view it from the ground up"),
    "top-down": ("show it from above", "make it a top-down view", "look straight down on it"),
    "side-view": ("show it from the side", "make it a side view", "turn the camera to the side"),
}

# Styles: the caption's (adjective, medium) and the edit phrasings that lead there.
STYLES: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {
    "black and white": (
        ("black and white", "photo"),
        (
            "make it black and white",
            "turn it black and white",
            "remove the colour",
            "in black and white",
            "desaturate it",
        ),
    ),
    "sepia": (("sepia", "photo"), ("give it a sepia tone", "make it sepia", "in sepia")),
    "vintage": (
        ("vintage", "photo"),
        ("make it look vintage", "give it an old film look", "make it look like an old photo"),
    ),
    "sketch": (
        ("pencil", "sketch"),
        ("turn it into a pencil sketch", "make it a sketch", "draw it in pencil", "as a pencil drawing"),
    ),
    "watercolor": (
        ("watercolor", "painting"),
        ("make it a watercolor painting", "paint it in watercolor", "in the style of a watercolor"),
    ),
    "oil painting": (("oil", "painting"), ("make it an oil painting", "as an oil painting", "paint it in oils")),
    "cartoon": (("cartoon", "drawing"), ("make it a cartoon", "turn it into a cartoon", "draw it as a cartoon")),
}
#: Back to a plain colour photo.
UNSTYLE: tuple[str, ...] = (
    "make it a normal colour photo",
    "make it a regular photo",
    "turn it back into a colour photo",
    "make it look like a real photo",
)

#: What a caption opens with when it names no style or view.
PLAIN_OPENINGS: tuple[str, ...] = ("a photo of ", "", "a picture of ", "an image of ", "a snapshot of ")

#: Actions as an edit asks for them: "make the dog sleep".
ACTION_VERBS: dict[str, str] = {
    "walking": "walk",
    "running": "run",
    "sitting": "sit down",
    "standing": "stand up",
    "reading": "read",
    "smiling": "smile",
    "dancing": "dance",
    "riding a bicycle": "ride a bicycle",
    "eating": "eat",
    "talking on the phone": "talk on the phone",
    "sleeping": "sleep",
    "lying down": "lie down",
    "jumping": "jump",
}

#: Extra ways to ask for a weather or a time of day, by its edit word.
WEATHER_ASKS: dict[str, tuple[str, ...]] = {
    "sunny": ("make it sunny", "add sunshine", "clear blue skies instead"),
    "rainy": ("make it rain", "add rain", "it should be raining"),
    "snowy": ("make it snow", "add falling snow", "it should be snowing"),
    "foggy": ("add fog", "make it misty", "cover it in fog"),
    "cloudy": ("make it overcast", "add clouds", "a gray cloudy sky instead"),
    "stormy": ("add a storm", "make it stormy with dark clouds", "a thunderstorm instead"),
    "windy": ("make it windy", "add strong wind", "a windy day instead"),
}
TIME_ASKS: dict[str, tuple[str, ...]] = {
    "morning": ("make it morning", "early in the morning instead"),
    "noon": ("make it midday", "at midday with the sun high"),
    "afternoon": ("make it afternoon", "later in the afternoon"),
    "sunset": ("make it sunset", "during sunset", "at golden hour, as the sun goes down"),
    "sunrise": ("make it sunrise", "at dawn", "as the sun comes up"),
    "dusk": ("make it dusk", "at twilight", "just after the sun has set"),
    "night": ("make it night", "after dark", "change it to nighttime", "at night instead"),
}
