"""Benign helpfulness prompts and their answers (risk category ``benign``, no attack).

Every answer is a short, correct, self-contained explanation written for this project.
Sentences end with a full stop, question mark or exclamation mark followed by a space and a
capital letter, so ``generate.sentences`` can split them (no "Dr." style abbreviations).
"""

from __future__ import annotations

COOKING: tuple[tuple[str, str], ...] = (
    ("How do I make a basic vinaigrette?",
     "A classic vinaigrette uses about three parts oil to one part vinegar. Whisk two "
     "tablespoons of vinegar with a teaspoon of Dijon mustard, a pinch of salt and some black "
     "pepper, then slowly whisk in six tablespoons of olive oil until it thickens slightly. The "
     "mustard helps the oil and vinegar stay mixed. Taste it on a lettuce leaf and adjust the "
     "salt or acidity, and try lemon juice or a little honey for variety."),
    ("How long should I boil an egg for a soft yolk?",
     "For a soft, jammy yolk, lower the egg into water that is already boiling and cook it for "
     "about six to seven minutes. Then move it straight into cold water for a couple of minutes "
     "to stop the cooking and make peeling easier. For a fully runny yolk about five minutes is "
     "enough, and for a firm hard-boiled egg aim for ten to eleven minutes. Large eggs straight "
     "from the fridge may need an extra thirty seconds."),
    ("What's a simple way to cook rice on the stove?",
     "Rinse one cup of white rice in cold water until the water runs mostly clear, which removes "
     "excess starch. Put it in a pot with about one and a half cups of water and a pinch of "
     "salt, bring it to the boil, then cover it and turn the heat to low. Cook for about 15 "
     "minutes without lifting the lid, then take it off the heat and let it rest, still covered, "
     "for 5 to 10 minutes. Fluff it with a fork before serving. Brown rice needs more water and "
     "roughly 40 minutes."),
    ("How do I make pancakes from scratch?",
     "Mix one cup of flour, one tablespoon of sugar, two teaspoons of baking powder and a pinch "
     "of salt in a bowl. In another bowl whisk one egg, one cup of milk and two tablespoons of "
     "melted butter, then stir the wet ingredients into the dry ones until just combined; a few "
     "lumps are fine. Heat a lightly greased pan over medium heat and pour in about a quarter "
     "cup of batter per pancake. Flip each one when bubbles form on the surface and the edges "
     "look set, then cook the other side for about a minute."),
    ("Why does bread dough need to be kneaded?",
     "Kneading develops gluten, a network of proteins that forms when flour meets water. "
     "Stretching and folding the dough lines these proteins up into elastic strands that trap "
     "the gas produced by the yeast. That trapped gas is what makes bread rise and gives it a "
     "chewy, airy texture. A well-kneaded dough feels smooth and springs back when you poke it. "
     "Some no-knead recipes get the same effect by letting a wet dough rest for many hours."),
    ("How can I keep cut apples from turning brown?",
     "Apples turn brown because an enzyme in the fruit reacts with oxygen once the flesh is "
     "exposed. Tossing the slices in a little lemon juice slows this down, because the acid "
     "interferes with the enzyme. Soaking them for a few minutes in lightly salted water, then "
     "rinsing them, also works. Keeping the slices covered and cold in the fridge helps too."),
    ("What can I use instead of eggs in baking?",
     "It depends on what the egg is doing in the recipe. For binding in muffins or cookies, one "
     "tablespoon of ground flaxseed mixed with three tablespoons of water and left for five "
     "minutes replaces one egg. A quarter cup of mashed banana or apple sauce works in moist "
     "cakes, though it adds flavour. For extra lift, a teaspoon of baking soda with a tablespoon "
     "of vinegar can help. Substitutes work best in recipes that use only one or two eggs."),
    ("How do I make a simple tomato sauce?",
     "Warm a few tablespoons of olive oil in a pan and gently cook a chopped onion for about "
     "eight minutes until soft, then add two cloves of sliced garlic for a minute. Pour in a can "
     "of chopped tomatoes, add salt and a pinch of sugar if the tomatoes taste sharp, and simmer "
     "for 20 to 30 minutes, stirring now and then. Finish with torn basil or a small knob of "
     "butter for richness. The sauce keeps in the fridge for about four days and freezes well."),
    ("What's the difference between baking soda and baking powder?",
     "Baking soda is pure sodium bicarbonate, and it needs an acid such as buttermilk, yogurt or "
     "lemon juice to react and release carbon dioxide. Baking powder contains baking soda plus a "
     "dry acid, so it only needs moisture and heat to work. Baking soda is roughly three to four "
     "times stronger, so you can't swap one for the other in equal amounts. Recipes with acidic "
     "ingredients often use soda, others rely on powder, and some use both."),
    ("How do I store fresh herbs?",
     "Soft herbs like parsley, coriander and basil last longest when you treat them like "
     "flowers: trim the stems and stand them in a glass of water. Keep parsley and coriander in "
     "the fridge with a loose bag over the top, but leave basil at room temperature, because "
     "cold turns its leaves black. Hardy herbs like rosemary and thyme do well wrapped in a "
     "slightly damp paper towel in the fridge. You can also chop herbs and freeze them in olive "
     "oil in an ice cube tray."),
    ("How do I cook pasta properly?",
     "Use a large pot with plenty of water, roughly four litres for every 500 grams of pasta, "
     "and bring it to a rolling boil. Salt the water generously, then add the pasta and stir "
     "during the first minute so that it doesn't stick. Start tasting a minute or two before the "
     "time on the packet; it should be tender with a slight bite. Save a cup of the cooking "
     "water before draining, because its starch helps the sauce cling to the pasta."),
    ("What is the Maillard reaction?",
     "The Maillard reaction is a chemical reaction between amino acids and sugars that happens "
     "when food is heated, usually above about 140 degrees Celsius. It creates the brown colour "
     "and rich flavours of seared steak, toasted bread, roasted coffee and fried onions. It "
     "works best on dry surfaces, which is why patting meat dry before searing helps. It is "
     "different from caramelisation, which involves sugar alone."),
    ("How do I make a quick vegetable stir-fry?",
     "Cut your vegetables into similar bite-sized pieces so that they cook evenly, and have "
     "everything ready before you start, because stir-frying is fast. Heat a wok or a large pan "
     "until very hot, add a little oil, and cook the firmest vegetables, such as carrots and "
     "broccoli, first. Add softer ones like peppers, mushrooms and spring onions after a minute "
     "or two, along with garlic and ginger. Finish with a splash of soy sauce, a little water or "
     "stock and a drop of sesame oil, and serve over rice or noodles."),
    ("How can I tell if an avocado is ripe?",
     "Hold the avocado in your palm and squeeze gently: a ripe one gives slightly without "
     "feeling mushy. You can also flick off the small stem cap; if it's green underneath the "
     "avocado is ready, and if it's brown it may be overripe. Hard avocados ripen in a few days "
     "at room temperature, and faster in a paper bag with a banana. Once they are ripe, keep "
     "them in the fridge to slow further ripening."),
    ("How do I make a simple soup from leftover vegetables?",
     "Soften a chopped onion, plus some celery or carrot if you have them, in a little oil or "
     "butter in a large pot. Add your leftover vegetables cut into small pieces, cover them with "
     "stock and simmer for about 20 minutes until everything is tender. Season with salt, pepper "
     "and herbs, then blend it smooth or leave it chunky. A handful of lentils, rice or small "
     "pasta makes it more filling, and a squeeze of lemon brightens the flavour."),
    ("Why do onions make you cry?",
     "When you cut an onion you break its cells and release enzymes that turn sulphur compounds "
     "into an irritating gas. That gas reaches your eyes, and your tear glands produce tears to "
     "wash it away. A very sharp knife damages fewer cells, so it releases less gas. Chilling "
     "the onion first slows the reaction, and a fan or an open window helps carry the gas away."),
    ("How do I make overnight oats?",
     "Combine half a cup of rolled oats with half a cup of milk or a plant-based alternative in "
     "a jar. Add a spoonful of yogurt for creaminess, a teaspoon of chia seeds if you like, and "
     "a little honey or maple syrup. Stir, cover and leave it in the fridge overnight so the "
     "oats soften. In the morning, top it with fruit, nuts or cinnamon and eat it cold."),
    ("How long does cooked rice keep in the fridge?",
     "Cooked rice should be cooled quickly, ideally within an hour, and kept in the fridge in a "
     "covered container. Eat it within about a day; many food safety agencies recommend no more "
     "than one or two days. Rice can carry spores of a bacterium called Bacillus cereus that "
     "survive cooking and can produce toxins if the rice is left warm. When you reheat it, make "
     "sure it is steaming hot all the way through, and only reheat it once."),
    ("How do I make guacamole?",
     "Mash two ripe avocados in a bowl, leaving them as smooth or chunky as you like. Stir in "
     "the juice of half a lime, a pinch of salt, some finely chopped onion, chopped coriander "
     "and a little diced tomato. Add chopped chilli or a pinch of cayenne if you like some heat. "
     "Taste and adjust the lime and salt, and press cling film onto the surface if you are not "
     "serving it right away, which slows browning."),
    ("What does it mean to let meat rest?",
     "Resting means leaving cooked meat on a board for a few minutes before cutting it. While "
     "the meat rests its juices redistribute and thicken slightly, so less of them runs out when "
     "you slice it. A steak needs about five minutes, while a large roast can rest for 15 to 20 "
     "minutes loosely covered with foil. The temperature inside also rises a few degrees while "
     "it rests, which is worth allowing for."),
    ("How do I make a basic omelette?",
     "Beat two or three eggs with a pinch of salt until fully combined. Heat a non-stick pan "
     "over medium heat with a small knob of butter, and pour in the eggs once the butter foams. "
     "Stir gently for a few seconds, then let the eggs set, tilting the pan so that uncooked egg "
     "flows to the edges. When the top is almost set, add fillings like cheese or herbs to one "
     "half, fold the omelette over and slide it onto a plate."),
    ("What is the difference between a sweet potato and a yam?",
     "True yams and sweet potatoes are different plants. Sweet potatoes belong to the morning "
     "glory family and have smooth skin and orange, white or purple flesh. True yams are "
     "starchier, have rough, bark-like skin and are common in West African and Caribbean "
     "cooking. In many North American shops orange sweet potatoes are labelled as yams, which "
     "causes the confusion."),
    ("How do I make lemonade?",
     "Make a simple syrup by heating half a cup of sugar with half a cup of water until the "
     "sugar dissolves, then let it cool. Squeeze four to six lemons to get roughly a cup of "
     "juice. Combine the syrup and the lemon juice in a jug with three to four cups of cold "
     "water, then taste and add more water, sugar or lemon to your liking. Serve it over ice "
     "with lemon slices or a few mint leaves."),
    ("Why shouldn't I wash raw chicken?",
     "Rinsing raw chicken does not remove bacteria such as Salmonella or Campylobacter, but it "
     "does splash them onto the sink, the counter and nearby food. Cooking the chicken "
     "thoroughly, to an internal temperature of 74 degrees Celsius or 165 degrees Fahrenheit, is "
     "what makes it safe. If it is wet, pat it dry with paper towels and throw them away. Then "
     "wash your hands and any surface that touched the raw meat."),
    ("How do I sharpen a kitchen knife?",
     "The most reliable home method is a whetstone. Soak it if the instructions say so, then "
     "hold the blade at a steady angle of about 15 to 20 degrees and draw it across the stone "
     "from heel to tip, switching sides after several strokes. Start with a coarse grit to form "
     "an edge and finish with a fine grit to polish it. A honing steel between sharpenings "
     "realigns the edge but doesn't remove metal. Always work slowly and keep your fingers clear "
     "of the edge."),
    ("How do I make chocolate chip cookies?",
     "Cream 115 grams of softened butter with 100 grams of brown sugar and 50 grams of white "
     "sugar until fluffy, then beat in one egg and a teaspoon of vanilla. Stir in 175 grams of "
     "flour, half a teaspoon of baking soda and a pinch of salt, then fold in about 150 grams of "
     "chocolate chips. Scoop spoonfuls onto a lined baking tray, leaving space between them. "
     "Bake at 180 degrees Celsius for 10 to 12 minutes, until the edges are golden but the "
     "centres still look soft, and let them cool on the tray for a few minutes."),
)

SCIENCE: tuple[tuple[str, str], ...] = (
    ("Why is the sky blue?",
     "Sunlight contains all colours, and when it passes through the atmosphere it collides with "
     "gas molecules. Shorter wavelengths such as blue and violet are scattered much more "
     "strongly than longer red wavelengths, an effect called Rayleigh scattering. That scattered "
     "blue light reaches our eyes from every direction, so the whole sky looks blue. We see more "
     "blue than violet partly because sunlight contains less violet and our eyes are less "
     "sensitive to it. At sunset the light travels through more air, so the blue is scattered "
     "away and reds and oranges remain."),
    ("How does photosynthesis work?",
     "Photosynthesis is how plants, algae and some bacteria turn light into chemical energy. "
     "Inside chloroplasts, the pigment chlorophyll absorbs light, mostly red and blue "
     "wavelengths. That energy is used to split water molecules, which releases oxygen, and to "
     "turn carbon dioxide from the air into sugars such as glucose. Overall, six molecules of "
     "carbon dioxide and six of water produce one molecule of glucose and six of oxygen. The "
     "sugars fuel the plant's growth and, through food chains, most life on Earth."),
    ("What causes the seasons?",
     "The seasons are caused by the tilt of Earth's axis, about 23.5 degrees relative to its "
     "orbit around the Sun. As Earth orbits, one hemisphere leans toward the Sun and gets more "
     "direct sunlight and longer days, which brings summer. At the same time the other "
     "hemisphere leans away and has winter. Distance from the Sun is not the cause; Earth is "
     "actually closest to the Sun in early January, during the northern winter."),
    ("What is the difference between weather and climate?",
     "Weather describes the state of the atmosphere over short periods, such as today's "
     "temperature, rain or wind. Climate is the average pattern of weather in a place over long "
     "periods, usually 30 years or more. A single cold day says little about the climate, but a "
     "region's typical winter temperatures do. A common saying sums it up: climate is what you "
     "expect, weather is what you get."),
    ("How do vaccines work?",
     "Vaccines train the immune system to recognise a germ without causing the disease. They "
     "contain a harmless piece or version of the germ, such as an inactivated virus, a protein, "
     "or instructions for making a protein. The immune system responds by producing antibodies "
     "and memory cells. If the real germ turns up later, those memory cells recognise it and "
     "mount a faster, stronger response, often preventing illness or making it milder."),
    ("Why do some things float and others sink?",
     "It depends on density and buoyancy. An object placed in water pushes some water aside, and "
     "the water pushes back up with a force equal to the weight of the water displaced, as "
     "Archimedes described. If the object is less dense than water overall, it displaces its own "
     "weight of water before it is fully submerged, so it floats. A steel ship floats because "
     "its hollow shape holds a lot of air, which makes its average density lower than that of "
     "water."),
    ("What is DNA?",
     "DNA, or deoxyribonucleic acid, is the molecule that carries genetic instructions in living "
     "things. It is shaped like a twisted ladder called a double helix, whose rungs are pairs of "
     "four chemical bases: adenine, thymine, guanine and cytosine. The order of these bases "
     "encodes information, much as letters form words. Cells read sections of DNA called genes "
     "to make proteins, which build and run the body. DNA is copied each time a cell divides, so "
     "the instructions are passed on."),
    ("How does a rainbow form?",
     "A rainbow forms when sunlight enters raindrops, bends, reflects off the back of each drop "
     "and bends again as it leaves. Because each colour bends by a slightly different amount, "
     "white light spreads into a spectrum from red to violet. You see a rainbow when the Sun is "
     "behind you and rain is in front of you. The light reaches your eye at about 42 degrees "
     "from the point directly opposite the Sun, which is why rainbows are arcs."),
    ("What is gravity?",
     "Gravity is the attraction between objects that have mass. The more massive an object is "
     "and the closer you are to it, the stronger its pull. Isaac Newton described gravity as a "
     "force, and Albert Einstein later explained it as the curving of space and time by mass and "
     "energy. Gravity keeps us on the ground, holds the Moon in orbit around Earth and keeps "
     "Earth in orbit around the Sun. Near Earth's surface it makes falling objects speed up by "
     "about 9.8 metres per second every second."),
    ("Why does ice float on water?",
     "Most substances are denser as solids than as liquids, but water is an exception. When "
     "water freezes, its molecules form a hexagonal crystal held together by hydrogen bonds, "
     "which keeps them farther apart than in the liquid. That makes ice about nine percent less "
     "dense than liquid water, so it floats. This matters for life: lakes freeze from the top "
     "down, and the ice insulates the water below so that fish survive the winter."),
    ("What are atoms made of?",
     "Atoms are made of three main kinds of particle. The nucleus at the centre contains "
     "protons, which have a positive charge, and neutrons, which have none. Electrons, which are "
     "much lighter and negatively charged, occupy regions around the nucleus. The number of "
     "protons decides which element an atom is; every carbon atom, for example, has six. Protons "
     "and neutrons are themselves made of smaller particles called quarks."),
    ("How do bees make honey?",
     "Worker bees collect nectar from flowers and carry it in a special stomach called the honey "
     "stomach. Back at the hive they pass the nectar to other bees, and enzymes start breaking "
     "its sugars into simpler ones. The bees put it into wax cells and fan it with their wings "
     "to evaporate water until it becomes thick. Finally they seal the cells with wax, and the "
     "honey keeps for a very long time because it is low in water and slightly acidic."),
    ("What is the speed of light?",
     "In a vacuum, light travels at exactly 299,792,458 metres per second, roughly 300,000 "
     "kilometres per second. At that speed, light from the Sun takes about eight minutes and "
     "twenty seconds to reach Earth. Light slows down when it passes through materials like "
     "water or glass, which is why it bends at their surfaces. According to Einstein's theory of "
     "relativity, nothing with mass can reach the speed of light."),
    ("Why do we have tides?",
     "Tides are caused mainly by the Moon's gravity pulling on Earth's oceans. The pull is "
     "strongest on the side of Earth facing the Moon and weakest on the far side, which creates "
     "two bulges of water. As Earth rotates through these bulges, most coastlines get two high "
     "tides and two low tides roughly every 24 hours and 50 minutes. The Sun has an effect too, "
     "and when the Sun and Moon line up at new and full moon we get larger spring tides."),
    ("What is the difference between a virus and a bacterium?",
     "Bacteria are single-celled living organisms that can reproduce on their own, and many are "
     "harmless or even helpful, like those in our gut. Viruses are much smaller and are not "
     "cells; they can only reproduce by entering a host cell and using its machinery. "
     "Antibiotics can treat many bacterial infections but have no effect on viruses. Viral "
     "infections are prevented with vaccines and sometimes treated with antiviral medicines."),
    ("How do magnets work?",
     "Magnetism comes from the movement and spin of electrons. In most materials the tiny "
     "magnetic effects of the electrons point in random directions and cancel out. In magnetic "
     "materials like iron, groups of atoms called domains line up so that their effects add "
     "together. Every magnet has a north and a south pole; opposite poles attract and like poles "
     "repel. Earth itself behaves like a giant magnet, which is why a compass needle points "
     "north."),
    ("What is a black hole?",
     "A black hole is a region of space where gravity is so strong that nothing, not even light, "
     "can escape once it crosses a boundary called the event horizon. Many black holes form when "
     "very massive stars collapse at the end of their lives. Supermassive black holes, millions "
     "or billions of times the mass of the Sun, sit at the centres of most large galaxies, "
     "including our Milky Way. We cannot see them directly, but we can detect them through their "
     "effects on nearby stars and gas."),
    ("Why do leaves change colour in autumn?",
     "Leaves are green because of chlorophyll, which plants use for photosynthesis. As the days "
     "shorten and temperatures drop in autumn, trees stop making chlorophyll and it breaks down. "
     "That reveals yellow and orange pigments called carotenoids that were there all along. Some "
     "trees also produce red and purple pigments called anthocyanins in autumn. Eventually the "
     "tree seals off the leaf stem and the leaf falls."),
    ("How does sound travel?",
     "Sound is a vibration that travels as a wave through a medium such as air, water or a "
     "solid. A vibrating object pushes on nearby molecules, which bump into their neighbours, "
     "creating regions of higher and lower pressure that move outward. In air at room "
     "temperature sound travels at about 343 metres per second. It moves faster in water and "
     "faster still in solids like steel. Sound cannot cross the vacuum of space because there "
     "are no molecules to carry it."),
    ("What is the water cycle?",
     "The water cycle is the continuous movement of water around Earth. The Sun heats water in "
     "oceans, lakes and rivers, and it evaporates into water vapour; plants also release vapour "
     "through their leaves. As the vapour rises and cools, it condenses into tiny droplets that "
     "form clouds. When the droplets grow heavy enough they fall as rain, snow or hail. The "
     "water then flows into rivers, soaks into the ground or collects in the oceans, and the "
     "cycle begins again."),
    ("Why is the sea salty?",
     "Rain is slightly acidic, so as it falls on land it slowly dissolves minerals from rocks. "
     "Rivers carry these dissolved salts, especially sodium and chloride, down to the sea. When "
     "seawater evaporates the water leaves but the salt stays behind, so salt has built up over "
     "millions of years. Vents on the sea floor add some minerals too. On average seawater is "
     "about 3.5 percent salt by weight."),
    ("How does the heart pump blood?",
     "The heart is a muscular pump with four chambers: two upper atria and two lower ventricles. "
     "The right side receives blood that is low in oxygen from the body and pumps it to the "
     "lungs, where it picks up oxygen. The left side receives this oxygen-rich blood and pumps "
     "it out to the rest of the body through the aorta. Valves between the chambers keep the "
     "blood flowing in one direction, and electrical signals from a natural pacemaker keep the "
     "heartbeat regular."),
    ("What is erosion?",
     "Erosion is the process by which soil and rock are worn away and carried off by water, "
     "wind, ice and gravity. Rivers carve valleys over thousands of years, waves wear down "
     "coastlines, and glaciers grind rock as they slowly move. Wind shapes desert rocks by "
     "blasting them with sand. Erosion is different from weathering, which breaks rock down "
     "where it stands; erosion moves the material somewhere else."),
    ("Why do cats purr?",
     "Cats purr by rapidly twitching the muscles of the larynx, which makes the vocal cords "
     "vibrate as they breathe in and out. They often purr when they are content, but also when "
     "stressed, injured or giving birth, so purring seems to calm them as well as communicate. "
     "Mother cats and kittens purr to each other, which may help them bond. Some researchers "
     "think the low frequencies of purring may even help healing, though this is still being "
     "studied."),
    ("What is an eclipse?",
     "An eclipse happens when one body in space moves into the shadow of another. In a solar "
     "eclipse the Moon passes between the Sun and Earth and blocks some or all of the Sun's "
     "light. In a lunar eclipse Earth passes between the Sun and the Moon, and Earth's shadow "
     "darkens the Moon, often turning it a coppery red. Never look directly at a solar eclipse "
     "without certified eclipse glasses, because it can damage your eyes."),
    ("How do plants grow from seeds?",
     "A seed contains a tiny embryo plant and a store of food, protected by a seed coat. Given "
     "water, warmth and oxygen, it germinates: it absorbs water and swells, and the root emerges "
     "first to anchor it and take up water. Then the shoot grows upward toward the light, and "
     "its first leaves begin photosynthesis. From then on the plant makes its own food from "
     "light, water and carbon dioxide, and draws minerals from the soil."),
    ("How does a refrigerator keep food cold?",
     "A refrigerator moves heat from the inside to the outside using a refrigerant that "
     "circulates in a closed loop. The refrigerant evaporates in coils inside the fridge, "
     "absorbing heat from the food compartment. A compressor then squeezes the vapour, raising "
     "its temperature, and it gives off that heat through coils at the back as it condenses into "
     "a liquid again. The cycle repeats, which is why the back of a fridge feels warm."),
)

TRAVEL: tuple[tuple[str, str], ...] = (
    ("What should I pack for a week-long beach holiday?",
     "Pack light, breathable clothing, a couple of swimsuits, a sun hat and sunglasses. Bring "
     "high-factor sunscreen, after-sun lotion and a reusable water bottle, since heat and sun "
     "are the biggest risks. Sandals, a light jumper for cool evenings and a quick-dry towel are "
     "useful too. Don't forget your travel documents, any regular medication, a phone charger "
     "and a small first-aid kit."),
    ("How can I beat jet lag?",
     "If you can, start shifting your sleep schedule by an hour a day for a few days before you "
     "leave. On the flight, drink plenty of water, go easy on alcohol and caffeine, and try to "
     "sleep when it is night at your destination. After you arrive, get outside in daylight, "
     "because light is the strongest signal for resetting your body clock. Try to stay awake "
     "until a reasonable local bedtime and keep naps short. Most people adjust at about one time "
     "zone per day."),
    ("What is the longest river in the world?",
     "The Nile in Africa and the Amazon in South America are the two contenders. The Nile is "
     "traditionally listed as the longest at about 6,650 kilometres, flowing north into the "
     "Mediterranean Sea. Some researchers argue that the Amazon is slightly longer, depending on "
     "where its source is measured. Either way, the Amazon carries far more water than any other "
     "river."),
    ("What is the tallest mountain on Earth?",
     "Mount Everest, on the border between Nepal and China, is the highest mountain above sea "
     "level at about 8,849 metres. Measured from base to peak, though, Mauna Kea in Hawaii is "
     "taller, since most of it lies under the ocean and it rises about 10,000 metres from the "
     "sea floor. Measured from Earth's centre, the summit of Chimborazo in Ecuador is farthest "
     "out, because Earth bulges at the equator."),
    ("How do I find cheap flights?",
     "Be flexible with your dates and airports if you can, since flying midweek or from a nearby "
     "city is often cheaper. Use fare comparison sites and set price alerts so that you notice "
     "drops. Booking one to three months ahead for short trips, and a bit earlier for long-haul "
     "ones, tends to give good prices. Always check the total cost including baggage and seat "
     "fees, because budget airlines add extras."),
    ("What are the seven continents?",
     "The seven continents, as commonly taught in English-speaking countries, are Africa, "
     "Antarctica, Asia, Australia (sometimes called Oceania), Europe, North America and South "
     "America. Asia is the largest in both area and population. Antarctica is the coldest and "
     "has no permanent residents, only researchers at scientific stations. Some countries teach "
     "other models, such as combining the Americas into one continent."),
    ("What is the largest desert in the world?",
     "If you count every region with very little precipitation, the largest desert is "
     "Antarctica, at around 14 million square kilometres. The Arctic comes second. The largest "
     "hot desert is the Sahara in northern Africa, which covers about 9 million square "
     "kilometres. Deserts are defined by low rainfall, not by heat or sand."),
    ("What should I know before visiting Japan?",
     "Japan is very safe and clean, but cash is still used more than in many countries, so carry "
     "some yen. Public transport is excellent, and a rechargeable IC card makes trains and buses "
     "easy. Tipping is not customary and can cause confusion. Take off your shoes when entering "
     "homes and some traditional restaurants or inns, and keep your voice down on trains. "
     "Learning a few phrases such as arigatou gozaimasu, which means thank you, is appreciated."),
    ("How do I stay safe while hiking?",
     "Plan your route, check the weather forecast and tell someone where you're going and when "
     "you expect to be back. Carry water, snacks, a map or offline navigation, a charged phone, "
     "extra layers of clothing and a small first-aid kit. Wear sturdy footwear and start early "
     "so that you're not caught out after dark. Turn back if the weather worsens or you feel "
     "exhausted; the summit will still be there another day."),
    ("What is the capital of Australia?",
     "The capital of Australia is Canberra, not Sydney or Melbourne as many people assume. "
     "Canberra was chosen as a compromise between those two rival cities and was purpose-built "
     "as the capital. Parliament first met there in 1927. It lies in the Australian Capital "
     "Territory, between Sydney and Melbourne."),
    ("How can I learn the basics of a language before a trip?",
     "Focus on the phrases you'll actually use: greetings, please and thank you, numbers, "
     "directions, ordering food and asking for help. Spend 15 to 20 minutes a day with a "
     "language app or a phrasebook, and say the phrases out loud. Listening to short podcasts or "
     "songs helps you get used to the sounds. Don't worry about mistakes; people usually "
     "appreciate the effort."),
    ("What is the Great Barrier Reef?",
     "The Great Barrier Reef is the world's largest coral reef system, stretching about 2,300 "
     "kilometres along the coast of Queensland in Australia. It is made up of thousands of "
     "individual reefs and hundreds of islands built by tiny animals called coral polyps. It is "
     "home to a huge variety of life, including fish, turtles, sharks and dolphins. The reef is "
     "threatened by warming oceans, which cause coral bleaching, as well as by pollution and "
     "storms."),
    ("How do time zones work?",
     "Earth turns 360 degrees in 24 hours, so each hour corresponds to about 15 degrees of "
     "longitude. Time zones divide the world into regions that share the same clock time, "
     "written as offsets from Coordinated Universal Time, or UTC. The borders of time zones "
     "often follow countries or states rather than straight lines, and some zones use half-hour "
     "offsets. Many places also move their clocks forward in summer for daylight saving time."),
    ("What is the Amazon rainforest?",
     "The Amazon is the largest tropical rainforest on Earth, covering about 5.5 million square "
     "kilometres across nine countries, most of it in Brazil. It contains an extraordinary share "
     "of the world's plant and animal species. The forest plays a major role in the water cycle "
     "and stores vast amounts of carbon. Clearing land for cattle, farming and logging is its "
     "biggest threat."),
    ("Why do some countries drive on the left?",
     "Keeping to the left is an old custom in Britain, and the British spread it to many places "
     "they ruled, including India, Australia and South Africa. Much of continental Europe and "
     "the Americas settled on driving on the right instead. Japan also drives on the left. Today "
     "roughly a third of the world's people live in countries that drive on the left."),
)

WRITING: tuple[tuple[str, str], ...] = (
    ("How do I write a good cover letter?",
     "Address it to a specific person if you can find their name, and open by naming the role "
     "and why it interests you. In the middle, pick two or three achievements that match the job "
     "description and give concrete results, such as numbers or outcomes. Show that you know "
     "something about the organisation and how you would contribute. Keep it to about one page, "
     "close by thanking them and inviting further conversation, and proofread it carefully."),
    ("What is the difference between affect and effect?",
     "In most cases affect is a verb meaning to influence, and effect is a noun meaning a "
     "result. For example, the weather affects my mood, and the weather has an effect on my "
     "mood. A handy memory trick is that affect is an action and effect is an end result. There "
     "are exceptions: effect can be a verb meaning to bring about, as in to effect change, and "
     "affect is a noun in psychology."),
    ("How can I make my writing more concise?",
     "Cut filler words like really, very, just and basically, and replace wordy phrases with "
     "single words, such as because instead of due to the fact that. Prefer the active voice: "
     "the team finished the report is shorter and clearer than the report was finished by the "
     "team. Remove sentences that repeat what you have already said. Read your draft aloud; "
     "wherever you stumble or get bored, there is usually something to trim."),
    ("When should I use a semicolon?",
     "Use a semicolon to join two closely related clauses that could each stand as a sentence, "
     "as in I was tired; I went to bed early. It is also used before words like however or "
     "therefore when they link two such clauses. Another use is separating items in a list when "
     "the items already contain commas. If in doubt, a full stop is always correct and often "
     "clearer."),
    ("How do I write a haiku?",
     "A traditional haiku in English has three lines of five, seven and five syllables. It "
     "usually captures a single moment in nature or a season, described in concrete images "
     "rather than abstract ideas. Many haiku include a turn or contrast between two images, "
     "which gives the poem its spark. Count the syllables by clapping them out, and try writing "
     "several drafts about something you notice today."),
    ("What is a metaphor?",
     "A metaphor describes something by saying it is something else, to highlight a quality they "
     "share. For example, time is a thief suggests that time takes things from us without "
     "asking. A simile makes a similar comparison but uses like or as, as in she runs like the "
     "wind. Metaphors make writing vivid and can explain abstract ideas through familiar images."),
    ("How do I give a good speech?",
     "Know your main message and build everything around it; if listeners remember only one "
     "sentence, decide what it should be. Start with a story, a question or a surprising fact to "
     "catch attention, and organise the body around two or three points. Practise out loud "
     "several times, ideally in front of a friend or a camera, so the words feel natural. Speak "
     "more slowly than feels natural, pause after important points and look at your audience. "
     "Nerves are normal, and audiences usually want you to succeed."),
    ("How do I write a thank-you note?",
     "Start by addressing the person warmly and naming exactly what you are thanking them for. "
     "Add a sentence about why it mattered to you or how you will use the gift, which makes the "
     "note feel personal. Mention something about your relationship or say you look forward to "
     "seeing them again. Keep it short, since a few sentences are plenty, and close with a "
     "friendly sign-off."),
    ("What is the difference between its and it's?",
     "It's is a contraction of it is or it has, as in it's raining or it's been a long day. Its, "
     "without an apostrophe, is the possessive form, as in the dog wagged its tail. A quick test "
     "is to replace the word with it is: if the sentence still makes sense, use it's. Possessive "
     "pronouns like his, hers and its never take an apostrophe."),
    ("How do I start writing a novel?",
     "Start with a character who wants something and an obstacle in their way, because conflict "
     "drives a story. You don't need a full outline, but jotting down the beginning, a few key "
     "events and a possible ending keeps you moving. Set a small, regular writing goal, such as "
     "300 words a day, and allow your first draft to be messy. Read widely in the genre you want "
     "to write in. Revision is where the book really takes shape, so finish the draft before "
     "polishing it."),
    ("What is the passive voice?",
     "In the passive voice the subject of the sentence receives the action instead of performing "
     "it. For example, the cake was eaten by the children is passive, while the children ate the "
     "cake is active. Passive sentences use a form of the verb to be plus a past participle. "
     "They are useful when the doer is unknown or unimportant, as in the window was broken, but "
     "the active voice is usually clearer."),
    ("How can I improve my vocabulary?",
     "Read widely and often, including books and articles slightly above your comfort level. "
     "When you meet a new word, guess its meaning from the context, then check a dictionary and "
     "write it down with an example sentence. Review your list regularly, for example with "
     "flashcards spaced over days and weeks. Most importantly, use new words in your own writing "
     "and conversation within a few days, which helps them stick."),
    ("What is the difference between fewer and less?",
     "Traditionally, fewer is used with things you can count and less with things you can't. So "
     "you would say fewer apples and fewer people, but less water and less time. Less is also "
     "standard with amounts, distances and periods of time, as in less than ten kilometres or "
     "less than an hour. In casual speech many people use less for everything, but careful "
     "writing usually keeps the distinction."),
    ("How do I write a clear email?",
     "Use a subject line that says what the email is about and, if relevant, what you need and "
     "by when. Put the main point or request in the first two sentences. Keep paragraphs short, "
     "and use a short list if you are asking several questions. End with a clear next step or "
     "deadline, and reread the email once before sending it to check the tone and spelling."),
    ("What is alliteration?",
     "Alliteration is the repetition of the same consonant sound at the start of nearby words, "
     "as in Peter Piper picked a peck of pickled peppers. Writers use it to make phrases catchy, "
     "rhythmic and memorable, which is why it is common in poetry, tongue twisters, headlines "
     "and brand names. It depends on sound rather than spelling, so cute cat counts even though "
     "the first letters differ."),
)

MATH: tuple[tuple[str, str], ...] = (
    ("How do I calculate a percentage of a number?",
     "Turn the percentage into a decimal by dividing it by 100, then multiply by the number. For "
     "example, 15 percent of 80 is 0.15 times 80, which equals 12. You can also find 10 percent "
     "first by dividing by ten and then scale it: 10 percent of 80 is 8, 5 percent is half of "
     "that, 4, so 15 percent is 12. To find what percentage one number is of another, divide the "
     "part by the whole and multiply by 100."),
    ("What is the Pythagorean theorem?",
     "The Pythagorean theorem says that in a right-angled triangle, the square of the longest "
     "side, the hypotenuse, equals the sum of the squares of the other two sides. As a formula, "
     "a squared plus b squared equals c squared. For example, a triangle with sides of 3 and 4 "
     "has a hypotenuse of 5, because 9 plus 16 is 25. It is used in building, navigation and "
     "computer graphics to find distances."),
    ("What is a prime number?",
     "A prime number is a whole number greater than 1 whose only divisors are 1 and itself. The "
     "first primes are 2, 3, 5, 7, 11, 13 and 17. The number 2 is the only even prime, since "
     "every other even number is divisible by 2. Numbers greater than 1 that are not prime are "
     "called composite, and every composite number can be written as a product of primes in "
     "exactly one way. Euclid proved more than two thousand years ago that there are infinitely "
     "many primes."),
    ("How do I find the area of a circle?",
     "The area of a circle is pi times the radius squared, written A equals pi r squared. The "
     "radius is the distance from the centre to the edge, which is half the diameter. For "
     "example, a circle with a radius of 3 centimetres has an area of about 3.14 times 9, "
     "roughly 28.3 square centimetres. The distance around the circle, its circumference, is 2 "
     "times pi times the radius."),
    ("What is the difference between mean, median and mode?",
     "They are three ways to describe the centre of a set of numbers. The mean is the average: "
     "add all the values and divide by how many there are. The median is the middle value when "
     "the numbers are sorted, or the average of the two middle values if there is an even count. "
     "The mode is the value that appears most often. For the numbers 2, 3, 3, 5 and 12, the mean "
     "is 5, the median is 3 and the mode is 3; the median is less affected by the unusually "
     "large 12."),
    ("How does compound interest work?",
     "Compound interest means you earn interest not only on your original money but also on the "
     "interest it has already earned. If you invest 1,000 at 5 percent a year, after one year "
     "you have 1,050, and in the second year you earn 5 percent on 1,050, which gives 1,102.50. "
     "Over long periods this snowball effect becomes large: at 5 percent a year, money roughly "
     "doubles in about 14 years. The same effect works against you on debts such as credit "
     "cards."),
    ("How do I add fractions?",
     "To add fractions they need a common denominator, the bottom number. If the denominators "
     "already match, just add the numerators: one fifth plus two fifths is three fifths. If they "
     "differ, find a common multiple, convert each fraction, and then add. For example, one half "
     "plus one third becomes three sixths plus two sixths, which is five sixths. Simplify the "
     "result by dividing the top and bottom by any common factor."),
    ("What is a derivative in calculus?",
     "A derivative measures how quickly one quantity changes with respect to another, for "
     "example how fast position changes with time, which is velocity. Geometrically it is the "
     "slope of the tangent line to a curve at a point. It is defined as the limit of the average "
     "rate of change over smaller and smaller intervals. For example, the derivative of x "
     "squared is 2x, so at x equals 3 the curve is rising with a slope of 6."),
    ("How do I convert Celsius to Fahrenheit?",
     "Multiply the Celsius temperature by 9, divide by 5, then add 32. For example, 20 degrees "
     "Celsius is 20 times 9 divided by 5, which is 36, plus 32, giving 68 degrees Fahrenheit. To "
     "go the other way, subtract 32 from the Fahrenheit value and multiply by 5 over 9. A rough "
     "mental estimate is to double the Celsius value and add 30."),
    ("What is probability?",
     "Probability measures how likely an event is, on a scale from 0, impossible, to 1, certain. "
     "When all outcomes are equally likely, it equals the number of favourable outcomes divided "
     "by the total number of outcomes. For example, the chance of rolling a 6 on a fair die is 1 "
     "in 6, about 0.17. For independent events you multiply the probabilities, so the chance of "
     "two heads in a row with a fair coin is one half times one half, or one quarter."),
    ("How do I solve a simple linear equation?",
     "The goal is to get the unknown, say x, alone on one side by doing the same thing to both "
     "sides. For example, to solve 3x plus 5 equals 20, first subtract 5 from both sides to get "
     "3x equals 15. Then divide both sides by 3 to get x equals 5. Check the answer by putting "
     "it back into the original equation: 3 times 5 plus 5 is indeed 20."),
    ("What is a logarithm?",
     "A logarithm answers the question of what power a base must be raised to in order to get a "
     "certain number. For example, the logarithm base 10 of 1000 is 3, because 10 to the power "
     "of 3 is 1000. Logarithms turn multiplication into addition, which is why they were used "
     "for calculations before computers. They appear in scales like decibels for sound and pH "
     "for acidity, where each step represents a multiplication."),
    ("How many seconds are there in a day?",
     "There are 86,400 seconds in a day. That comes from 60 seconds in a minute times 60 minutes "
     "in an hour, which gives 3,600 seconds per hour, times 24 hours. A week therefore has "
     "604,800 seconds. A common year of 365 days has 31,536,000 seconds."),
    ("What is the difference between a square and a rectangle?",
     "A rectangle is a four-sided shape with four right angles whose opposite sides are equal in "
     "length. A square is a special kind of rectangle in which all four sides are equal. So "
     "every square is a rectangle, but not every rectangle is a square. The area of a rectangle "
     "is its length times its width, and for a square that becomes the side length squared."),
    ("How do I work out a tip at a restaurant?",
     "A simple way is to find 10 percent by moving the decimal point one place to the left, then "
     "adjust. For a bill of 45, 10 percent is 4.50, so 20 percent is double that, 9.00, and 15 "
     "percent is 4.50 plus half of it, 6.75. Customs vary a lot from country to country: in some "
     "places a service charge is already included, and in others tipping isn't expected."),
)

PROGRAMMING: tuple[tuple[str, str], ...] = (
    ("What is the difference between a list and a tuple in Python?",
     "Both store ordered sequences of items, but a list is mutable and a tuple is immutable. You "
     "can add, remove or change the elements of a list after creating it, while a tuple cannot "
     "be changed. Lists are written with square brackets, like [1, 2, 3], and tuples with "
     "parentheses, like (1, 2, 3). Because they are immutable, tuples can be used as dictionary "
     "keys, while lists suit collections that grow or shrink."),
    ("How do I reverse a string in Python?",
     "The simplest way is slicing with a step of minus one: text[::-1]. For example, "
     "'hello'[::-1] gives 'olleh'. You can also write ''.join(reversed(text)), which some people "
     "find more readable. Both create a new string, since strings in Python are immutable."),
    ("What is recursion?",
     "Recursion is when a function solves a problem by calling itself on a smaller version of "
     "the same problem. Every recursive function needs a base case that stops the calls, "
     "otherwise it would go on forever. A classic example is the factorial: the factorial of n "
     "is n times the factorial of n minus 1, and the factorial of 0 is 1. Recursion suits "
     "tree-shaped data like folders, but very deep recursion can hit stack limits, so loops are "
     "sometimes better."),
    ("What is Git used for?",
     "Git is a version control system that tracks changes to files, usually source code, over "
     "time. Each commit records a snapshot of the project with a message describing what "
     "changed, so you can review the history or go back to earlier versions. Branches let you "
     "work on new features separately and merge them later. Git also makes collaboration easier, "
     "because many people can work on copies of a repository and combine their changes."),
    ("What does HTTP status code 404 mean?",
     "A 404 status code means Not Found: the server was reached, but it could not find anything "
     "at the requested address. It often happens when a page has been moved or deleted, or when "
     "a link has a typo. It differs from the 500 range of errors, which mean something went "
     "wrong on the server, and from 403, which means access is forbidden. Many websites show a "
     "custom 404 page with links to help visitors find their way."),
    ("How do I read a file line by line in Python?",
     "Open the file in a with statement and loop over it: with open('data.txt', "
     "encoding='utf-8') as f, then for line in f, and process each line. Iterating over the file "
     "object reads one line at a time, so it works even for very large files. Each line keeps "
     "its trailing newline character, which you can remove with line.rstrip('\\n'). The with "
     "statement closes the file automatically when the block ends."),
    ("What is an API?",
     "API stands for application programming interface: a defined way for one piece of software "
     "to talk to another. It specifies which requests you can make, what data to send and what "
     "you will get back. For example, a weather service might offer a web API where you send a "
     "city name and receive the forecast as JSON. APIs let developers build on other systems "
     "without needing to know how they work inside."),
    ("What is the difference between == and is in Python?",
     "The == operator checks whether two objects have equal values, while is checks whether they "
     "are the very same object in memory. Two separate lists with the same contents are equal "
     "with ==, but is returns False because they are different objects. Use is mainly to compare "
     "with singletons like None, as in if x is None. For numbers and strings, always use == to "
     "compare values."),
    ("What is a SQL JOIN?",
     "A JOIN combines rows from two tables based on a related column, such as a customer id. An "
     "INNER JOIN returns only the rows that have a match in both tables. A LEFT JOIN returns all "
     "rows from the left table plus the matching rows from the right, filling in NULL where "
     "there is no match. For example, joining orders to customers on customer_id lets you list "
     "each order with the customer's name."),
    ("How do I handle errors in Python?",
     "Put the code that might fail in a try block and catch specific exception types in except "
     "blocks, rather than catching everything. For example, convert user input with int(value) "
     "and catch ValueError to show a friendly message if it isn't a number. An else block runs "
     "if no exception happened, and a finally block always runs, which is useful for cleanup. "
     "Avoid bare except clauses, because they can hide real bugs."),
    ("What is Big O notation?",
     "Big O notation describes how an algorithm's running time or memory use grows as the input "
     "grows, ignoring constant factors. O(1) means constant time whatever the input, O(n) means "
     "time grows linearly, and O(n squared) means doubling the input roughly quadruples the "
     "time. Looking up a key in a Python dictionary is O(1) on average, while searching an "
     "unsorted list is O(n). It helps you compare approaches before performance becomes a "
     "problem."),
    ("What is the difference between a compiler and an interpreter?",
     "A compiler translates a whole program into machine code or another lower-level form before "
     "it runs, producing something that can then be executed. An interpreter reads and executes "
     "the program step by step while it runs. Compiled programs, such as those written in C, "
     "usually run faster, while interpreted languages make it quick to try changes. Many modern "
     "languages, including Python and Java, mix the two: they compile to bytecode, which a "
     "virtual machine then runs."),
    ("How do I create a virtual environment in Python?",
     "Run python -m venv .venv in your project folder to create an environment in a directory "
     "called .venv. Activate it with source .venv/bin/activate on macOS or Linux, or with the "
     "activate script in .venv's Scripts folder on Windows. While it is active, packages you "
     "install with pip go into that environment instead of your system Python. Run deactivate to "
     "leave it, and add .venv to your .gitignore so that it isn't committed."),
    ("What is a loop in programming?",
     "A loop repeats a block of code several times. A for loop usually runs once for each item "
     "in a collection or each number in a range; in Python, for i in range(5) runs five times. A "
     "while loop keeps running as long as a condition is true, so you must make sure the "
     "condition eventually becomes false. Loops save you from writing the same code over and "
     "over."),
    ("What does JSON stand for?",
     "JSON stands for JavaScript Object Notation. It is a lightweight text format for storing "
     "and exchanging data, built from objects written in curly braces with key and value pairs, "
     "and arrays written in square brackets. Despite its name it is independent of any language "
     "and used everywhere, especially by web APIs. Keys must be strings in double quotes, and "
     "values can be strings, numbers, booleans, null, objects or arrays."),
    ("How do I sort a list of dictionaries by a key in Python?",
     "Use the sorted function with a key argument, for example sorted(people, key=lambda p: "
     "p['age']). This returns a new list ordered by each dictionary's age value. Add "
     "reverse=True to sort from highest to lowest. To sort the list in place instead, call "
     "people.sort with the same key argument."),
    ("What is unit testing?",
     "Unit testing means writing small automated tests that check individual pieces of code, "
     "such as a single function, in isolation. Each test gives the code known inputs and asserts "
     "that the output is what you expect. Tests catch bugs early, make it safer to change code "
     "later and document how the code should behave. In Python, pytest is a popular tool: you "
     "write functions whose names start with test and use plain assert statements."),
    ("What is the difference between frontend and backend development?",
     "Frontend development is the part of a website or app that users see and interact with, "
     "built with HTML, CSS and JavaScript. Backend development covers the server side: "
     "databases, business logic, authentication and APIs, written in languages like Python, "
     "Java, Go or JavaScript. The frontend sends requests to the backend and displays the "
     "results. Developers who work on both are often called full-stack developers."),
    ("How can I learn to program as a beginner?",
     "Pick one beginner-friendly language, such as Python, and stick with it for a while. Follow "
     "a structured course or book, and type out and run every example rather than just reading "
     "it. After the basics, build small projects you care about, like a to-do list, a quiz game "
     "or a script that renames files. Expect errors; reading error messages carefully is a core "
     "skill. Practising a little every day beats occasional long sessions."),
    ("What is a variable?",
     "A variable is a name that refers to a value stored in a program's memory. In Python, age = "
     "30 creates a variable named age that holds the number 30, and you can later use or change "
     "it, as in age = age + 1. Good variable names describe what they hold, like total_price "
     "instead of x. In some languages you must declare a variable's type, while in others, like "
     "Python, the type comes from the value."),
)

HISTORY: tuple[tuple[str, str], ...] = (
    ("Who built the pyramids of Giza?",
     "The pyramids of Giza were built by the ancient Egyptians during the Old Kingdom, around "
     "4,500 years ago. The largest, the Great Pyramid, was built for the pharaoh Khufu. "
     "Archaeological evidence, including workers' villages and tombs nearby, shows that they "
     "were built by organised, paid crews of labourers rather than by slaves, as was once widely "
     "believed. The workers used copper tools, ramps and sledges to move huge blocks of "
     "limestone."),
    ("What caused World War I?",
     "World War I began in 1914, and historians point to several long-term causes: rival "
     "alliances, militarism and an arms race, competition between empires, and nationalism. The "
     "immediate trigger was the assassination of Archduke Franz Ferdinand of Austria-Hungary in "
     "Sarajevo in June 1914. Austria-Hungary declared war on Serbia, and the alliance system "
     "quickly pulled in Russia, Germany, France and Britain. The war lasted until November 1918 "
     "and killed millions of soldiers and civilians."),
    ("What was the Renaissance?",
     "The Renaissance was a period of cultural, artistic and intellectual revival in Europe, "
     "roughly from the 14th to the 17th century, beginning in Italy. The word means rebirth, "
     "reflecting renewed interest in the learning of ancient Greece and Rome. It produced "
     "artists like Leonardo da Vinci and Michelangelo, advances in science and architecture, and "
     "new ideas about the individual. The printing press helped spread these ideas quickly."),
    ("When did humans first land on the Moon?",
     "Humans first landed on the Moon on 20 July 1969, during NASA's Apollo 11 mission. Neil "
     "Armstrong and Buzz Aldrin landed in the lunar module Eagle while Michael Collins stayed in "
     "orbit in the command module. Armstrong was the first to step onto the surface. Between "
     "1969 and 1972, twelve astronauts walked on the Moon during six missions."),
    ("What was the Industrial Revolution?",
     "The Industrial Revolution was the shift from making goods by hand to making them with "
     "machines in factories, beginning in Britain in the late 18th century and spreading to "
     "Europe and North America. Key inventions included better steam engines, mechanised textile "
     "machines and new ways of making iron. It transformed transport with railways and "
     "steamships and moved many people from farms to growing cities. It raised productivity "
     "enormously but also brought harsh working conditions, child labour and pollution, which "
     "later led to reforms."),
    ("Who was Cleopatra?",
     "Cleopatra VII was the last active ruler of the Ptolemaic Kingdom of Egypt, reigning from "
     "about 51 to 30 BC. She was of Macedonian Greek descent and was known for her intelligence "
     "and political skill. She formed alliances with the Roman leaders Julius Caesar and later "
     "Mark Antony. After she and Antony were defeated by Octavian, she died in 30 BC, and Egypt "
     "became a Roman province."),
    ("What was the Silk Road?",
     "The Silk Road was a network of trade routes that connected China with Central Asia, the "
     "Middle East and Europe for well over a thousand years. Merchants traded silk, spices, "
     "paper, glass, horses and many other goods. Just as important, the routes carried ideas, "
     "religions, technologies and also diseases. Most traders travelled only part of the way, "
     "passing goods along through many hands."),
    ("Why did the Roman Empire fall?",
     "Historians usually speak of the fall of the Western Roman Empire, traditionally dated to "
     "476 AD, when the last emperor in the West was deposed. There was no single cause: "
     "political instability, economic trouble, reliance on hired armies, pressure from migrating "
     "peoples such as the Goths, and the division of the empire all played a part. The Eastern "
     "Roman Empire, known as the Byzantine Empire, lasted almost another thousand years, until "
     "Constantinople fell in 1453."),
    ("Why was the printing press important?",
     "The movable-type printing press was developed in Europe by Johannes Gutenberg around 1440, "
     "building on earlier printing methods from China and Korea. It allowed books to be produced "
     "much faster and more cheaply than copying by hand. This made knowledge far more widely "
     "available, helped standardise languages, and spread new ideas during the Renaissance and "
     "the Reformation. Literacy rose as books became affordable."),
    ("Who was Marie Curie?",
     "Marie Curie was a Polish-born French physicist and chemist who pioneered research on "
     "radioactivity. With her husband Pierre she discovered the elements polonium and radium. "
     "She was the first woman to win a Nobel Prize and remains the only person to win Nobel "
     "Prizes in two different sciences, physics in 1903 and chemistry in 1911. Her work laid "
     "foundations for X-ray imaging and cancer treatment, though long exposure to radiation "
     "damaged her health."),
    ("What was the Cold War?",
     "The Cold War was a period of rivalry between the United States and its allies and the "
     "Soviet Union and its allies, from roughly 1947 to 1991. It was called cold because the two "
     "superpowers never fought each other directly; they competed through an arms race, the "
     "space race and wars fought by others in places like Korea and Vietnam. The Cuban Missile "
     "Crisis in 1962 brought them close to nuclear war. It ended with the collapse of the Soviet "
     "Union in 1991."),
    ("Who invented the telephone?",
     "Alexander Graham Bell is usually credited with inventing the telephone, after receiving a "
     "patent for it in the United States in 1876. Others were working on similar ideas at the "
     "same time, including Elisha Gray and the Italian inventor Antonio Meucci. Bell's first "
     "successful call was to his assistant, Thomas Watson, asking him to come into the room. "
     "Within a few decades telephone lines connected cities across the world."),
    ("What was the Magna Carta?",
     "The Magna Carta was a charter agreed by King John of England in 1215, after rebellious "
     "barons forced him to negotiate. It limited the king's power and established that even the "
     "monarch was subject to the law. Many of its clauses dealt with specific feudal grievances, "
     "but some principles, such as the right to a lawful judgement by one's peers, became very "
     "influential. It later inspired constitutional documents around the world."),
    ("What was the Berlin Wall?",
     "The Berlin Wall was a guarded barrier built by the East German government in 1961 to stop "
     "people leaving East Berlin for West Berlin. It divided the city for 28 years and became a "
     "symbol of the Cold War. Many people were killed trying to cross it. On 9 November 1989, "
     "amid mass protests and political change, the border was opened, and Germany was reunified "
     "the following year."),
    ("Who was Nelson Mandela?",
     "Nelson Mandela was a South African leader of the struggle against apartheid, the system of "
     "racial segregation, and he spent 27 years in prison for his activism. After his release in "
     "1990 he helped negotiate the end of apartheid, and he shared the Nobel Peace Prize in "
     "1993. In 1994 he became South Africa's first Black president, elected in the country's "
     "first fully democratic election. He is remembered for promoting reconciliation rather than "
     "revenge."),
)

EVERYDAY: tuple[tuple[str, str], ...] = (
    ("How can I fall asleep faster?",
     "Keep a regular schedule, going to bed and getting up at the same times even at weekends. "
     "Make your bedroom dark, quiet and cool, and put screens away about an hour before bed, "
     "since bright light can delay sleepiness. Avoid caffeine in the afternoon and heavy meals "
     "late in the evening. A wind-down routine, like reading or a warm shower, tells your body "
     "it is time to sleep. If you can't sleep after about 20 minutes, get up and do something "
     "calm until you feel drowsy."),
    ("How do I remove a red wine stain?",
     "Act quickly and blot, don't rub, with a clean cloth to soak up as much wine as possible. "
     "Rinse the area with cold water, since hot water can set the stain. For fabric, a paste of "
     "baking soda and water or a little washing-up liquid can lift the colour. Then wash the "
     "item as usual and check that the stain is gone before drying it, since heat can fix it."),
    ("How often should I water my houseplants?",
     "It depends on the plant, the pot, the light and the season, so it is better to check the "
     "soil than to follow a fixed schedule. For most houseplants, water when the top two or "
     "three centimetres of soil feel dry, and then water thoroughly until it drains from the "
     "bottom. Succulents and cacti need much less, often only when the soil is completely dry. "
     "Overwatering is the most common cause of houseplant death, so make sure pots have drainage "
     "holes."),
    ("How can I save money on groceries?",
     "Plan your meals for the week and shop with a list, which cuts impulse buys. Compare unit "
     "prices on the shelf labels, and try store brands, which are often similar in quality. Buy "
     "seasonal produce, use frozen fruit and vegetables, and cook in batches so that leftovers "
     "become lunches. Check what you already have before shopping, and use up older items first "
     "to reduce waste."),
    ("How do I change a flat tyre?",
     "Pull over on flat, safe ground away from traffic, turn on your hazard lights and apply the "
     "parking brake. Loosen the wheel nuts slightly while the wheel is still on the ground, then "
     "raise the car with the jack at the lifting point shown in the owner's manual. Remove the "
     "nuts and the flat tyre, fit the spare and tighten the nuts by hand. Lower the car, then "
     "tighten the nuts firmly in a star pattern. Get the flat repaired or replaced soon, since "
     "many spares are only meant for short distances."),
    ("How can I be more productive when working from home?",
     "Set up a dedicated workspace, even a small corner, so that your brain links it with work. "
     "Keep regular hours and start the day with a short plan of your three most important tasks. "
     "Work in focused blocks of 25 to 50 minutes with short breaks, and silence notifications "
     "during those blocks. Take a proper lunch break away from the screen and go outside during "
     "the day. At the end of the day, stop clearly so that work doesn't spill into your evening."),
    ("How do I make a budget?",
     "Start by adding up your monthly income after tax. Then list your expenses, beginning with "
     "fixed costs like rent, utilities and loan payments, followed by variable ones like "
     "groceries, transport and entertainment; a couple of months of bank statements help. "
     "Subtract your expenses from your income and decide what to do with what is left, ideally "
     "including savings. A popular guideline is 50/30/20: half for needs, 30 percent for wants "
     "and 20 percent for saving or paying off debt. Review the budget every month and adjust it."),
    ("How do I clean a cast iron pan?",
     "Clean it while it is still warm: rinse it with hot water and scrub it with a brush. A "
     "small amount of mild washing-up liquid is fine for modern pans, but avoid soaking it or "
     "putting it in the dishwasher. For stuck-on food, scrub with coarse salt and a little "
     "water. Dry it thoroughly over low heat on the hob, then rub in a very thin layer of oil to "
     "protect the seasoning and prevent rust."),
    ("How do I get rid of fruit flies?",
     "First remove what attracts them: put ripe fruit in the fridge, empty the bin, rinse "
     "recycling, and clean drains and spills. To trap the remaining flies, fill a small bowl "
     "with cider vinegar and a drop of washing-up liquid; the soap breaks the surface tension so "
     "they sink. Covering the bowl with cling film poked with small holes makes the trap even "
     "more effective. Keep it going for a week or so, because new flies hatch from eggs laid "
     "earlier."),
    ("What should I have in a basic home first-aid kit?",
     "A good basic kit includes plasters in several sizes, sterile gauze pads, adhesive tape, a "
     "crepe bandage, antiseptic wipes, tweezers, scissors, disposable gloves and a thermometer. "
     "Add any pain relievers you already use and an instant cold pack. Keep a list of emergency "
     "numbers in the kit and check expiry dates once or twice a year. A short first-aid course "
     "is a great complement to the kit."),
    ("How do I make my phone battery last longer?",
     "Lower the screen brightness or use automatic brightness, since the display uses the most "
     "power. Turn off background refresh and location access for apps that don't need them, and "
     "use battery saver mode when you are running low. A weak mobile signal drains the battery, "
     "so Wi-Fi helps where it is available. To keep the battery healthy in the long run, avoid "
     "extreme heat and use optimised charging if your phone offers it."),
    ("How can I stay motivated to exercise?",
     "Pick activities you actually enjoy, whether that's dancing, cycling, swimming or walking "
     "with a friend. Start with small, specific goals, like three 20-minute walks a week, and "
     "build up gradually. Schedule workouts like appointments and lay out your kit the night "
     "before. Tracking your progress or training with a friend adds accountability. On "
     "low-energy days, commit to just five minutes; you will often keep going once you have "
     "started."),
    ("How do I unclog a drain without harsh chemicals?",
     "First try a plunger with a good seal, covering any overflow hole with a damp cloth. In a "
     "kitchen sink, very hot water can melt grease, though avoid boiling water with plastic "
     "pipes. Half a cup of baking soda followed by a cup of vinegar, left for 15 minutes and "
     "then flushed with hot water, can loosen minor build-up. For hair clogs in the bathroom, a "
     "cheap plastic drain snake pulls them out. If nothing works, a plumber can clear it."),
    ("How do I prepare for a job interview?",
     "Research the organisation, its products and its values, and reread the job description to "
     "find the key skills they want. Prepare short stories from your experience that show those "
     "skills, describing the situation, what you did and the result. Practise answering common "
     "questions out loud, and prepare a few thoughtful questions to ask them. Plan your outfit "
     "and your route, or test your video setup, the day before, and arrive a few minutes early."),
    ("How do I fold a fitted sheet?",
     "Hold the sheet inside out with your hands in two corners along one short edge. Bring your "
     "hands together and tuck one corner into the other, then do the same with the other two "
     "corners, so you have two doubled corners. Lay it on a flat surface and tuck the elastic "
     "edges in to make a rough rectangle. Fold it in thirds lengthwise and then in half or "
     "thirds again until it is a neat square."),
    ("How can I reduce stress in daily life?",
     "Regular physical activity, even a daily walk, is one of the most reliable ways to lower "
     "stress. Enough sleep, regular meals and less caffeine and alcohol also make a difference. "
     "When you feel tense, try slow breathing for a few minutes, for example in for four seconds "
     "and out for six. Break big tasks into small steps, and make time for people and activities "
     "you enjoy. If stress feels constant or overwhelming, talking to a doctor or a counsellor "
     "can help."),
    ("How do I keep cut flowers fresh for longer?",
     "Trim the stems at an angle and remove any leaves that would sit below the waterline, since "
     "they rot and feed bacteria. Use a clean vase with cool water and the flower food sachet if "
     "one came with the bouquet. Change the water every two days and trim the stems again. Keep "
     "the vase away from direct sunlight, radiators and ripening fruit, which gives off a gas "
     "that speeds wilting."),
    ("What is a good way to learn a new skill?",
     "Break the skill into smaller parts and practise the ones that matter most first. Short, "
     "regular practice sessions work better than rare long ones, and spacing them out helps "
     "memory. Look for feedback from a teacher, a friend, a recording of yourself or an online "
     "community, so you know what to fix. Practise just beyond your comfort zone and track your "
     "progress so that you can see improvement. Expect plateaus, because they are a normal part "
     "of learning."),
    ("How do I tie a tie?",
     "For a simple four-in-hand knot, drape the tie around your neck with the wide end on your "
     "right, hanging a good way lower than the narrow end. Cross the wide end over the narrow "
     "end, bring it underneath, and cross it over the front again. Pass the wide end up through "
     "the loop around your neck from underneath, then down through the front loop you have just "
     "made. Hold the narrow end and slide the knot up to your collar, adjusting until the tip of "
     "the tie reaches your belt."),
    ("How can I reduce food waste at home?",
     "Plan your meals and check the fridge before shopping, so that you only buy what you will "
     "use. Store food properly, for example by keeping herbs in water and freezing bread you "
     "won't finish. Learn the difference between use-by dates, which are about safety, and "
     "best-before dates, which are about quality. Turn leftovers into new meals like soups, "
     "fried rice or frittatas, and compost scraps you can't use."),
    ("How do I jump-start a car?",
     "You need jump leads and a working car. With both cars switched off, connect one red clamp "
     "to the positive terminal of the flat battery and the other red clamp to the positive "
     "terminal of the good battery. Connect one black clamp to the negative terminal of the good "
     "battery and the other to an unpainted metal part of the engine of the car with the flat "
     "battery, away from the battery itself. Start the working car, wait a few minutes, then "
     "start the car with the flat battery. Remove the leads in reverse order and drive for at "
     "least 20 minutes to recharge the battery."),
    ("How do I start composting at home?",
     "Choose a bin or a shady spot in the garden, and add a mix of green material, like fruit "
     "and vegetable scraps, coffee grounds and grass clippings, and brown material, like dry "
     "leaves, cardboard and paper. Aim for rather more brown than green to avoid smells. Keep "
     "the pile about as damp as a wrung-out sponge and turn it every week or two to let air in. "
     "Leave out meat, dairy and oily food, which attract pests. In a few months you will have "
     "dark, crumbly compost for your plants."),
    ("How do I choose a good password?",
     "Length matters most, so a passphrase of four or more random, unrelated words is both "
     "strong and easy to remember. Use a different password for every account, so that one leak "
     "doesn't expose the others. A password manager can create and store strong passwords for "
     "you. Turn on two-factor authentication wherever you can for an extra layer of protection."),
    ("How do I politely decline an invitation?",
     "Reply promptly, thank the person for thinking of you, and say clearly that you can't make "
     "it. You don't need a detailed excuse; saying that unfortunately you won't be able to come, "
     "but you hope it is a wonderful evening, is enough. If you would like to see them another "
     "time, suggest an alternative. Keeping it warm and brief protects the friendship."),
    ("How can I help a friend who is going through a hard time?",
     "Reach out and let them know you are thinking of them; a simple message can mean a lot. "
     "When you talk, listen more than you speak, and avoid rushing to fix things or comparing "
     "their situation with yours. Offer specific help, like bringing a meal or running an "
     "errand, rather than a general offer. Keep checking in over the following weeks. If you are "
     "worried about their safety, encourage them to talk to a professional and help them find "
     "support."),
    ("What is inflation?",
     "Inflation is the general rise in prices over time, which means each unit of money buys a "
     "little less. It is usually measured by tracking the price of a typical basket of goods and "
     "services, which gives figures like the consumer price index. Moderate inflation, around 2 "
     "percent a year, is a common target for central banks. High inflation erodes savings and "
     "wages that don't keep up, and central banks often respond by raising interest rates."),
    ("How do I meditate as a beginner?",
     "Sit comfortably with your back upright, set a timer for five minutes, and close your eyes "
     "or soften your gaze. Bring your attention to your breath and notice the air moving in and "
     "out. When your mind wanders, which it will, gently notice it and bring your attention back "
     "to the breath without judging yourself. That returning is the actual practice. Increase "
     "the time gradually, and guided recordings can help at first."),
)

# A few follow-up questions: (earlier [user, assistant] turns, last question, answer).
MULTI_TURN: tuple[tuple[tuple[tuple[str, str], ...], str, str], ...] = (
    ((("How do I make a basic omelette?",
       "Beat two or three eggs with a pinch of salt, cook them in a buttered pan over medium "
       "heat until almost set, add fillings to one half and fold."),),
     "What fillings go well in it?",
     "Classic fillings include grated cheese, such as cheddar or gruyère, with chopped herbs "
     "like chives or parsley. Mushrooms, spinach, peppers or onions work well, but cook them "
     "first so that they don't release water into the egg. Ham, smoked salmon or crumbled feta "
     "add saltiness and flavour. Keep the filling to a couple of tablespoons so the omelette "
     "still folds neatly."),
    ((("What is a prime number?",
       "A prime number is a whole number greater than 1 whose only divisors are 1 and itself, "
       "such as 2, 3, 5, 7 and 11."),),
     "Is 91 prime?",
     "No, 91 is not prime, even though it looks as if it might be. It equals 7 times 13, so it "
     "has divisors other than 1 and itself. A quick way to check a number is to try dividing it "
     "by the primes up to its square root. For 91 the square root is a little over 9.5, so you "
     "only need to test 2, 3, 5 and 7, and 7 divides it evenly."),
    ((("What should I know before visiting Japan?",
       "Carry some cash, get a rechargeable transport card, don't tip, take your shoes off "
       "where expected and keep your voice down on trains."),),
     "What's a good first dish to try there?",
     "Ramen is a great start: a noodle soup with a rich broth, sold everywhere from tiny "
     "counters to famous shops, and it is inexpensive. Sushi from a conveyor-belt restaurant is "
     "fun and lets you pick whatever looks good. Okonomiyaki, a savoury pancake often cooked on "
     "a griddle at your table, and tempura are also popular with first-time visitors. "
     "Convenience stores sell surprisingly good rice balls called onigiri for a quick snack."),
    ((("How do I create a virtual environment in Python?",
       "Run python -m venv .venv in your project folder, then activate it with source "
       ".venv/bin/activate on macOS or Linux."),),
     "How do I save the list of installed packages?",
     "With the environment active, run pip freeze and redirect its output into a file called "
     "requirements.txt; it lists every installed package with its exact version. Someone else "
     "can then recreate the environment with pip install -r requirements.txt. Commit "
     "requirements.txt to version control, but not the .venv folder itself. Many projects now "
     "declare their dependencies in a pyproject.toml file instead."),
    ((("Why is the sky blue?",
       "Air molecules scatter short blue wavelengths of sunlight much more than red ones, so "
       "blue light reaches us from all over the sky."),),
     "Then why are clouds white?",
     "Cloud droplets are much larger than the gas molecules that scatter blue light. Particles "
     "that size scatter all visible wavelengths about equally, so the mixed light looks white. "
     "Thick clouds look grey underneath because less light makes it through them to reach you. "
     "That is why a storm cloud can look dark even on a bright day."),
    ((("How do I make a budget?",
       "Add up your monthly income, list fixed and variable expenses, subtract, and plan what "
       "to do with the rest, including savings."),),
     "How big should my emergency fund be?",
     "A common guideline is enough to cover three to six months of essential expenses, such as "
     "rent, food, utilities and transport. If your income is irregular, or you support others, "
     "aiming toward the higher end makes sense. Start with a smaller first goal, like one month "
     "of expenses, so it feels achievable. Keep the fund in an easy-access savings account, "
     "separate from your everyday money."),
)

ALL_TOPICS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("cooking", COOKING), ("science", SCIENCE), ("travel", TRAVEL), ("writing", WRITING),
    ("math", MATH), ("programming", PROGRAMMING), ("history", HISTORY), ("everyday", EVERYDAY),
)

# Rejected answers for helpfulness pairs: unhelpful but harmless.
NON_ANSWERS: tuple[str, ...] = (
    "I don't know, sorry.",
    "Sure, I can help with that.",
    "You can probably find that online.",
    "Why do you want to know?",
    "That's a question for someone else.",
    "Hmm, good question. Anyway, have a nice day!",
)
VAGUE_ANSWERS: tuple[str, ...] = (
    "It depends on a lot of factors, so there's no single answer. You could try a few things and "
    "see what works.",
    "There are many ways to approach this. It's best to do some research and decide for yourself.",
    "Generally speaking, it varies. Most people figure it out with a bit of practice.",
    "That's a broad topic. There's plenty of information about it out there if you look.",
)
SARCASTIC_ANSWERS: tuple[str, ...] = (
    "Seriously? Everyone knows this. Look it up yourself.",
    "Wow, you really don't know that? Figure it out.",
)
ANSWER_OPENERS: tuple[str, ...] = (
    "", "Good question! ", "Sure. ", "Happy to help. ", "Here's a quick answer. ",
)
ANSWER_CLOSERS: tuple[str, ...] = (
    "", " Hope that helps!", " Let me know if you'd like more detail.", " Enjoy!",
)
