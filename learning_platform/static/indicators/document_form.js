// Quick tags of the chosen level-2 indicator (moved out of the template for the CSP).
(function(){var l2=document.getElementById("f_l2"),box=document.getElementById("quick-tags"),tags=document.getElementById("f_tags");
function show(){box.innerHTML="";var o=l2.options[l2.selectedIndex];if(!o||!o.dataset.tags)return;o.dataset.tags.split(" ").forEach(function(t){var b=document.createElement("button");b.type="button";b.textContent=t;b.onclick=function(){var cur=tags.value.split(/\s+/).filter(Boolean);if(cur.indexOf(t)<0){cur.push(t);tags.value=cur.join(" ");}};box.appendChild(b);});}
l2.addEventListener("change",show);show();})();
